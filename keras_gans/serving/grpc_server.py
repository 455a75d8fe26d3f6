"""TF Serving's gRPC API for the local server, on the generated stubs of `tensorflow-serving-api`:
`PredictionService.Predict` / `GetModelMetadata` and `ModelService.GetModelStatus`."""

from __future__ import annotations

from concurrent import futures

import grpc
import numpy as np
from tensorflow_serving.apis import (
    get_model_metadata_pb2,
    get_model_status_pb2,
    model_service_pb2_grpc,
    predict_pb2,
    prediction_service_pb2_grpc,
)

from keras_gans.serving.errors import ServingError, invalid
from keras_gans.serving.predictor import Predictor

SIGNATURE_DEF_FIELD = "signature_def"  # GetModelMetadataImpl::kSignatureDef


def _spec(model_spec):
    """(name, version, label) of a ModelSpec."""
    choice = model_spec.WhichOneof("version_choice")
    version = model_spec.version.value if choice == "version" else None
    label = model_spec.version_label if choice == "version_label" else None
    return model_spec.name, version, label


def _abort(context, err: ServingError):
    context.abort(getattr(grpc.StatusCode, err.code, grpc.StatusCode.UNKNOWN), err.message)


def _arrays(request, sig_def) -> tuple[dict, None]:
    import tensorflow as tf

    arrays = {}
    for key, proto in request.inputs.items():
        try:
            array = tf.make_ndarray(proto)
        except Exception as err:
            raise invalid(f"Input '{key}' is not a valid TensorProto: {err}") from None
        if key in sig_def.inputs and proto.dtype != sig_def.inputs[key].dtype:
            want = tf.dtypes.as_dtype(sig_def.inputs[key].dtype).name
            raise invalid(f"Expects arg '{key}' to be {want} but "
                          f"{tf.dtypes.as_dtype(proto.dtype).name} is provided")
        arrays[key] = array
    return arrays, None


class _PredictionService(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, predictor: Predictor):
        self.predictor = predictor

    def Predict(self, request: predict_pb2.PredictRequest, context):
        import tensorflow as tf

        name, version, label = _spec(request.model_spec)
        signature = request.model_spec.signature_name or "serving_default"
        try:
            loaded, outputs, _ = self.predictor.predict(
                name, version, label, signature, lambda sig_def: _arrays(request, sig_def),
                entrypoint="GRPC", grpc=True)
            wanted = list(request.output_filter) or sorted(outputs)
            unknown = [k for k in wanted if k not in outputs]
            if unknown:
                raise invalid(f"output tensor alias not found in signature: {unknown[0]} "
                              f"Outputs expected to be in the set {{{','.join(sorted(outputs))}}}.")
        except ServingError as err:
            _abort(context, err)
        response = predict_pb2.PredictResponse()
        response.model_spec.name = name
        response.model_spec.version.value = loaded.version
        response.model_spec.signature_name = signature
        for key in wanted:
            response.outputs[key].CopyFrom(tf.make_tensor_proto(np.asarray(outputs[key])))
        return response

    def GetModelMetadata(self, request, context):
        try:
            if not request.metadata_field:
                raise invalid("GetModelMetadataRequest must specify at least one metadata_field")
            for field in request.metadata_field:
                if field != SIGNATURE_DEF_FIELD:
                    raise invalid(f"Metadata field {field} is not supported")
            loaded = self.predictor.repository.get(*_spec(request.model_spec))
        except ServingError as err:
            _abort(context, err)
        signature_map = get_model_metadata_pb2.SignatureDefMap()
        for key, sig in loaded.signature_defs.items():
            signature_map.signature_def[key].CopyFrom(sig)
        response = get_model_metadata_pb2.GetModelMetadataResponse()
        response.model_spec.name = loaded.name
        response.model_spec.version.value = loaded.version
        response.metadata[SIGNATURE_DEF_FIELD].Pack(signature_map)
        return response

    def _unimplemented(self, request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "Only Predict and GetModelMetadata are "
                      "served locally: the exports have predict signatures only.")

    Classify = Regress = MultiInference = _unimplemented


class _ModelService(model_service_pb2_grpc.ModelServiceServicer):
    def __init__(self, predictor: Predictor):
        self.repository = predictor.repository

    def GetModelStatus(self, request, context):
        name, version, _ = _spec(request.model_spec)
        try:
            status = self.repository.status(name, version)
        except ServingError as err:
            _abort(context, err)
        response = get_model_status_pb2.GetModelStatusResponse()
        for entry in status["model_version_status"]:
            item = response.model_version_status.add(version=int(entry["version"]))
            item.state = get_model_status_pb2.ModelVersionStatus.State.Value(entry["state"])
            item.status.error_code = _error_code(entry["status"]["error_code"])
            item.status.error_message = entry["status"]["error_message"]
        return response

    def HandleReloadConfigRequest(self, request, context):
        context.abort(grpc.StatusCode.UNIMPLEMENTED, "Edit the --model_config_file instead; "
                      "it is re-read every --model_config_file_poll_wait_seconds.")


def _error_code(name: str) -> int:
    field = get_model_status_pb2.ModelVersionStatus.DESCRIPTOR.fields_by_name["status"]
    return field.message_type.fields_by_name["error_code"].enum_type.values_by_name[name].number


def start_grpc_server(predictor: Predictor, host: str, port: int, max_workers: int = 32):
    """A started `grpc.Server`; returns (server, bound port)."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="grpc"))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        _PredictionService(predictor), server)
    model_service_pb2_grpc.add_ModelServiceServicer_to_server(_ModelService(predictor), server)
    bound = server.add_insecure_port(f"{host}:{port}")  # grpcio raises or returns 0 when taken
    if bound == 0:
        raise OSError("the port is in use")
    server.start()
    return server, bound
