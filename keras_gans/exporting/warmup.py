"""TF Serving warm-up records: `assets.extra/tf_serving_warmup_requests`.

A TFRecord file of serialized `tensorflow.serving.PredictionLog` protos (the classes of the
`tensorflow-serving-api` package). TF Serving replays them, at most 1000
(saved_model_warmup_util.h, `kMaxNumRecords`), before it marks a version AVAILABLE, so the first
real request does not pay for graph optimisation and GPU kernel selection; `keras-gans serve`
replays them the same way.
"""

from __future__ import annotations

from collections.abc import Mapping

WARMUP_FILENAME = "tf_serving_warmup_requests"
MAX_WARMUP_RECORDS = 1000
TF_SERVING_API = "tensorflow-serving-api==2.21.0"


def require_tf_serving_api() -> None:
    """A clear error instead of a ModuleNotFoundError deep inside an export or `serve`."""
    try:
        import tensorflow_serving.apis  # noqa: F401
    except ImportError:
        from keras_gans.errors import ConfigError

        raise ConfigError(
            "TF Serving's protos are missing (package tensorflow-serving-api). Install them "
            f"without dependencies, so pip leaves TensorFlow alone: pip install --no-deps "
            f"'{TF_SERVING_API}' (make setup does this)."
        ) from None


def prediction_log(name: str, signature_name: str, inputs: Mapping) -> bytes:
    """A serialized `PredictionLog` holding one `PredictLog` with only its request set;
    `inputs` maps input names to numpy arrays."""
    require_tf_serving_api()
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    log = prediction_log_pb2.PredictionLog()
    request = log.predict_log.request
    request.model_spec.name = name
    request.model_spec.signature_name = signature_name
    for key in sorted(inputs):
        request.inputs[key].CopyFrom(tf.make_tensor_proto(inputs[key]))
    return log.SerializeToString()


def read_prediction_logs(path) -> list:
    """The `PredictionLog`s of a warm-up file, in order."""
    import tensorflow as tf
    from tensorflow_serving.apis import prediction_log_pb2

    logs = []
    for record in tf.data.TFRecordDataset(str(path)):
        log = prediction_log_pb2.PredictionLog()
        log.ParseFromString(record.numpy())
        logs.append(log)
        if len(logs) > MAX_WARMUP_RECORDS:
            raise ValueError(f"Number of warmup records exceeds the maximum "
                             f"({MAX_WARMUP_RECORDS}) at {path}")
    return logs
