"""TF Serving's three config files, parsed as `tensorflow_model_server` parses them: text protos.

`--model_config_file` is a `ModelServerConfig`, `--batching_parameters_file` a
`BatchingParameters`, `--monitoring_config_file` a `MonitoringConfig` (tensorflow_serving
model_servers/server.cc: `ParseProtoTextFile<...>`). The first comes from the
`tensorflow-serving-api` package. That package ships no Python classes for the other two, so
their descriptors are built here with the field names, numbers and types of tensorflow/serving
2.19.1 (`servables/tensorflow/session_bundle_config.proto`, `config/monitoring_config.proto`);
protobuf's own text parser then accepts exactly what TF Serving accepts, unknown fields rejected.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from keras_gans.errors import ConfigError

_INT64, _BOOL, _STRING, _MESSAGE = 3, 8, 9, 11  # FieldDescriptorProto.Type
_OPTIONAL, _REPEATED = 1, 3  # FieldDescriptorProto.Label

# (name, number, label, type, message type) as in the 2.19.1 .proto files.
_BATCHING_FIELDS = [
    ("max_batch_size", 1, _OPTIONAL, _MESSAGE, ".google.protobuf.Int64Value"),
    ("batch_timeout_micros", 2, _OPTIONAL, _MESSAGE, ".google.protobuf.Int64Value"),
    ("max_enqueued_batches", 3, _OPTIONAL, _MESSAGE, ".google.protobuf.Int64Value"),
    ("num_batch_threads", 4, _OPTIONAL, _MESSAGE, ".google.protobuf.Int64Value"),
    ("thread_pool_name", 5, _OPTIONAL, _MESSAGE, ".google.protobuf.StringValue"),
    ("allowed_batch_sizes", 6, _REPEATED, _INT64, None),
    ("pad_variable_length_inputs", 7, _OPTIONAL, _BOOL, None),
    ("enable_large_batch_splitting", 8, _OPTIONAL, _MESSAGE, ".google.protobuf.BoolValue"),
    ("max_execution_batch_size", 9, _OPTIONAL, _MESSAGE, ".google.protobuf.Int64Value"),
]
_MONITORING_MESSAGES = {
    "PrometheusConfig": [("enable", 1, _OPTIONAL, _BOOL, None),
                         ("path", 2, _OPTIONAL, _STRING, None)],
    "MonitoringConfig": [("prometheus_config", 1, _OPTIONAL, _MESSAGE,
                          ".tensorflow.serving.PrometheusConfig")],
}
# Defaults of an unset field: SharedBatchScheduler::QueueOptions and Options (TF 2.19).
DEFAULT_MAX_BATCH_SIZE = 1000
DEFAULT_MAX_ENQUEUED_BATCHES = 10
PROMETHEUS_PATH = "/monitoring/prometheus/metrics"  # PrometheusExporter::kPrometheusPath


@functools.cache
def _message_classes() -> dict:
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, wrappers_pb2

    pool = descriptor_pool.DescriptorPool()  # private: never clashes with other .proto files
    pool.AddSerializedFile(wrappers_pb2.DESCRIPTOR.serialized_pb)
    file = descriptor_pb2.FileDescriptorProto(
        name="keras_gans/serving/tf_serving_configs.proto", package="tensorflow.serving",
        syntax="proto3", dependency=["google/protobuf/wrappers.proto"])
    messages = {"BatchingParameters": _BATCHING_FIELDS, **_MONITORING_MESSAGES}
    for name, fields in messages.items():
        message = file.message_type.add(name=name)
        for field_name, number, label, kind, type_name in fields:
            field = message.field.add(name=field_name, number=number, label=label, type=kind)
            if type_name:
                field.type_name = type_name
            if label == _REPEATED and kind == _INT64:
                field.options.packed = True
    pool.Add(file)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(
        f"tensorflow.serving.{name}")) for name in messages}


def _parse(path, message, flag: str):
    from google.protobuf import text_format

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"--{flag}: {path} does not exist. Pass the path of a text-format "
                          f"{type(message).__name__} file (see serving/README.md).")
    try:
        return text_format.Parse(path.read_text(), message)
    except text_format.ParseError as err:
        raise ConfigError(f"--{flag}: {path} is not a valid text-format "
                          f"{type(message).__name__}: {err}") from None


def read_model_config(path):
    """A `tensorflow.serving.ModelServerConfig` from `path`; only `model_config_list` is
    accepted (TF Serving's `custom_model_config` needs a custom build)."""
    from tensorflow_serving.config import model_server_config_pb2

    config = _parse(path, model_server_config_pb2.ModelServerConfig(), "model_config_file")
    if config.WhichOneof("config") != "model_config_list":
        raise ConfigError(f"--model_config_file: {path} has no model_config_list.")
    for model in config.model_config_list.config:
        if not model.name or not model.base_path:
            raise ConfigError(f"--model_config_file: {path}: every config needs a name and a "
                              f"base_path; got {model}".strip())
        if model.model_platform not in ("", "tensorflow"):
            raise ConfigError(f"--model_config_file: model {model.name!r} has model_platform "
                              f"{model.model_platform!r}; only 'tensorflow' is served.")
    return config


@dataclass(frozen=True)
class BatchingOptions:
    """What the local batcher uses from a `BatchingParameters` file, unset fields defaulted."""

    max_batch_size: int = DEFAULT_MAX_BATCH_SIZE
    batch_timeout_micros: int = 0
    max_enqueued_batches: int = DEFAULT_MAX_ENQUEUED_BATCHES
    num_batch_threads: int = 1
    allowed_batch_sizes: tuple = ()


def default_batching_options() -> BatchingOptions:
    """`--enable_batching` without a file: every field at its default."""
    return BatchingOptions(num_batch_threads=os.cpu_count() or 1)


def read_batching_parameters(path) -> BatchingOptions:
    params = _parse(path, _message_classes()["BatchingParameters"](), "batching_parameters_file")

    def value(name, default):
        return getattr(params, name).value if params.HasField(name) else default

    options = BatchingOptions(
        max_batch_size=value("max_batch_size", DEFAULT_MAX_BATCH_SIZE),
        batch_timeout_micros=value("batch_timeout_micros", 0),
        max_enqueued_batches=value("max_enqueued_batches", DEFAULT_MAX_ENQUEUED_BATCHES),
        num_batch_threads=value("num_batch_threads", os.cpu_count() or 1),
        allowed_batch_sizes=tuple(params.allowed_batch_sizes),
    )
    sizes = options.allowed_batch_sizes
    # bundle_factory_util.cc (WrapSessionForBatching) refuses the same files.
    if sizes and sizes[-1] != options.max_batch_size:
        raise ConfigError(
            f"--batching_parameters_file: {path}: Last entry in allowed_batch_sizes must match "
            f"max_batch_size; last entry was {sizes[-1]}; expected {options.max_batch_size}")
    if list(sizes) != sorted(set(sizes)):
        raise ConfigError(f"--batching_parameters_file: {path}: allowed_batch_sizes must "
                          f"increase; got {list(sizes)}")
    if options.max_batch_size < 1 or options.num_batch_threads < 1:
        raise ConfigError(f"--batching_parameters_file: {path}: max_batch_size and "
                          "num_batch_threads must be >= 1")
    return options


def read_monitoring_config(path) -> str | None:
    """The Prometheus path when the file enables it, else None."""
    config = _parse(path, _message_classes()["MonitoringConfig"](), "monitoring_config_file")
    prometheus = config.prometheus_config
    if not prometheus.enable:
        return None
    return prometheus.path or PROMETHEUS_PATH
