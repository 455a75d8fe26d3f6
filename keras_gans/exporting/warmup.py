"""TF Serving warm-up records, encoded by hand from the protobuf wire format.

TF Serving replays `assets.extra/tf_serving_warmup_requests` (a TFRecord file of serialized
`tensorflow.serving.PredictionLog` protos) before it marks a version AVAILABLE, so the first real
request does not pay for graph optimisation and GPU kernel selection.

The `tensorflow-serving-api` package that holds the generated Python classes is not a dependency
of keras_gans (it pins its own TensorFlow version). The three wrapper messages we need are tiny,
so they are written here from their field numbers; the inner `TensorProto` is serialized by
TensorFlow's own proto class. Field numbers (tensorflow_serving/apis/*.proto):

    PredictionLog  { LogMetadata log_metadata = 1; PredictLog predict_log = 6; }
    PredictLog     { PredictRequest request = 1; PredictResponse response = 2; }
    PredictRequest { ModelSpec model_spec = 1; map<string, TensorProto> inputs = 2; }
    ModelSpec      { string name = 1; Int64Value version = 2; string signature_name = 3; }

A `map<K, V>` field is encoded as repeated entry messages `{K key = 1; V value = 2;}`.
`tests/test_export.py` decodes the file with protobuf's own parser to check this encoding.
"""

from __future__ import annotations

from collections.abc import Mapping

WARMUP_FILENAME = "tf_serving_warmup_requests"

_LENGTH_DELIMITED = 2  # wire type of strings, bytes and embedded messages


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """One length-delimited field: tag, length, payload."""
    return _varint((number << 3) | _LENGTH_DELIMITED) + _varint(len(payload)) + payload


def model_spec(name: str, signature_name: str) -> bytes:
    return _field(1, name.encode()) + _field(3, signature_name.encode())


def predict_request(name: str, signature_name: str, inputs: Mapping[str, bytes]) -> bytes:
    """`inputs` maps each input name to an already serialized `TensorProto`."""
    out = _field(1, model_spec(name, signature_name))
    for key in sorted(inputs):
        entry = _field(1, key.encode()) + _field(2, inputs[key])
        out += _field(2, entry)
    return out


def prediction_log(name: str, signature_name: str, inputs: Mapping[str, bytes]) -> bytes:
    """A serialized `PredictionLog` holding one `PredictLog` with only its request set."""
    predict_log = _field(1, predict_request(name, signature_name, inputs))
    return _field(6, predict_log)
