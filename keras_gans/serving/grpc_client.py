"""A TF Serving gRPC client for exported generators, on `tensorflow-serving-api`'s stubs.

The same calls as the REST `Client`, over `PredictionService` (port 8500): tensors travel as
TensorProtos, so float32 images arrive bit-exact and PNGs as raw bytes, without JSON or base64.
"""

from __future__ import annotations

import numpy as np

from keras_gans.serving.client import SEED_SIGNATURE


class GrpcClientError(RuntimeError):
    """A failed RPC: the gRPC status code name plus TF Serving's message."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class GrpcClient:
    """Talks to TF Serving (or `keras-gans serve`) over gRPC for one model.

    Args:
        target: "host:port", e.g. "127.0.0.1:8500".
        model: model name.
        version / label: pin a version number or a version label (default: the newest).
        timeout: seconds per call.

    Example:
        with GrpcClient("127.0.0.1:8500", "dcgan", label="stable") as client:
            images = client.predict(z=np.random.normal(size=(4, 128)))
            pngs = client.generate_from_seed([1, 2, 3])["png"]
    """

    def __init__(self, target: str, model: str, version: int | None = None,
                 label: str | None = None, timeout: float = 60.0):
        import grpc
        from tensorflow_serving.apis import model_service_pb2_grpc, prediction_service_pb2_grpc

        if version is not None and label is not None:
            raise ValueError("Pass a version or a label, not both.")
        self.model, self.version, self.label, self.timeout = model, version, label, timeout
        self._channel = grpc.insecure_channel(target)
        self._predictions = prediction_service_pb2_grpc.PredictionServiceStub(self._channel)
        self._models = model_service_pb2_grpc.ModelServiceStub(self._channel)

    def _spec(self, model_spec, signature_name: str = "") -> None:
        model_spec.name = self.model
        if self.version is not None:
            model_spec.version.value = int(self.version)
        elif self.label is not None:
            model_spec.version_label = self.label
        if signature_name:
            model_spec.signature_name = signature_name

    def _call(self, method, request):
        import grpc

        try:
            return method(request, timeout=self.timeout)
        except grpc.RpcError as err:
            raise GrpcClientError(err.code().name, err.details()) from None

    def predict_raw(self, inputs: dict, signature_name: str = "serving_default",
                    output_filter=()) -> tuple[dict, int]:
        """({output name: array}, version that answered) for named input arrays."""
        import tensorflow as tf
        from tensorflow_serving.apis import predict_pb2

        request = predict_pb2.PredictRequest()
        self._spec(request.model_spec, signature_name)
        for key, value in inputs.items():
            request.inputs[key].CopyFrom(tf.make_tensor_proto(value))
        request.output_filter.extend(output_filter)
        response = self._call(self._predictions.Predict, request)
        outputs = {k: tf.make_ndarray(v) for k, v in response.outputs.items()}
        return outputs, response.model_spec.version.value

    def predict(self, z, label=None) -> np.ndarray:
        """Images float32 [batch, H, W, C] in [-1, 1] for latent vectors `z` [batch, latent]."""
        inputs = {"z": np.asarray(z, dtype=np.float32)}
        if label is not None:
            inputs["label"] = np.asarray(label, dtype=np.int64)
        return self.predict_raw(inputs)[0]["images"]

    def generate_from_seed(self, seeds, label=None) -> dict:
        """{"images": uint8 [batch, H, W, C], "png": [PNG bytes, ...]} for int seeds."""
        inputs = {"seed": np.asarray(seeds, dtype=np.int64).reshape(-1)}
        if label is not None:
            inputs["label"] = np.asarray(label, dtype=np.int64).reshape(-1)
        outputs, _ = self.predict_raw(inputs, SEED_SIGNATURE)
        return {"images": outputs["images_uint8"], "png": list(outputs["images_png_bytes"])}

    def metadata(self) -> dict:
        """{signature name: SignatureDef proto} and the version that answered."""
        from tensorflow_serving.apis import get_model_metadata_pb2

        request = get_model_metadata_pb2.GetModelMetadataRequest(metadata_field=["signature_def"])
        self._spec(request.model_spec)
        response = self._call(self._predictions.GetModelMetadata, request)
        signature_map = get_model_metadata_pb2.SignatureDefMap()
        response.metadata["signature_def"].Unpack(signature_map)
        return {"version": response.model_spec.version.value,
                "signature_def": dict(signature_map.signature_def)}

    def status(self) -> list[tuple[int, str]]:
        """[(version, state name)], newest first, from ModelService.GetModelStatus."""
        from tensorflow_serving.apis import get_model_status_pb2

        request = get_model_status_pb2.GetModelStatusRequest()
        self._spec(request.model_spec)
        response = self._call(self._models.GetModelStatus, request)
        state = get_model_status_pb2.ModelVersionStatus.State.Name
        return [(s.version, state(s.state)) for s in response.model_version_status]

    def close(self) -> None:
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
