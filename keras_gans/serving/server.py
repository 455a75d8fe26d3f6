"""A local server that speaks TF Serving's REST and gRPC APIs, for machines without TF Serving.

    keras-gans serve export/ [--model_config_file export/models.config] [--enable_batching
        --batching_parameters_file serving/batching.config] [--monitoring_config_file ...]

Same URLs, JSON, error bodies and HTTP status codes as `tensorflow_model_server
--rest_api_port=8501` (tensorflow_serving/g3doc/api_rest.md), the same gRPC services on
`--grpc-port` (8500), and the same config files read with the same protos, so clients, the load
test and curl commands work unchanged against either. The flags keep TF Serving's spellings.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from keras_gans.errors import ConfigError
from keras_gans.serving.rest_app import DEFAULT_MAX_REQUEST_BYTES, ServingApp
from keras_gans.serving.rest_server import RestServer

log = logging.getLogger(__name__)

# Seconds a connection may stay silent (no request line, a stalled body, an idle keep-alive)
# before it is closed, as production servers time out idle clients; TF Serving's
# --rest_api_timeout_in_ms defaults to 30 s.
DEFAULT_IDLE_TIMEOUT = 30.0
DEFAULT_GRPC_PORT = 8500


class LocalServer:
    """REST (keep-alive HTTP/1.1, a thread per connection) and gRPC servers around one `Predictor`, startable in the
    background.

    Args:
        base: export folder with `NAME/VERSION/` SavedModels; with a model config it stands in
            for the container's `/models` (base_path "/models/NAME" -> base/NAME).
        host: interface to bind; 127.0.0.1 keeps it off the network unless asked.
        port: REST port; 0 picks a free one (see `.port`).
        grpc_port: gRPC port; 0 picks a free one (`.grpc_port`), None turns gRPC off.
        model_config_file: a ModelServerConfig text file (names, policies, labels); without
            it every `base/NAME/` is served with the default policy (latest version only).
        config_poll_seconds: re-read the model config this often (0: never), like
            `--model_config_file_poll_wait_seconds`.
        poll_seconds: rescan version folders this often (`--file_system_poll_wait_seconds`).
        allow_unavailable_labels: `--allow_version_labels_for_unavailable_models`.
        enable_batching: merge concurrent requests (`--enable_batching`).
        batching_parameters_file: BatchingParameters text file (needs enable_batching).
        monitoring_config_file: MonitoringConfig text file; Prometheus metrics when enabled.
        max_request_bytes: larger bodies get HTTP 413.
        max_batch_size: without batching, a local limit on examples per request (None: none).
        idle_timeout: seconds before a silent connection is closed.
        access_log: log one line per request.

    Example:
        with LocalServer("export", port=0, grpc_port=0) as server:
            Client(server.url, "dcgan").generate_from_seed([1, 2])
    """

    def __init__(self, base, *, host="127.0.0.1", port=8501, grpc_port=None,
                 model_config_file=None, config_poll_seconds=0.0, poll_seconds=1.0,
                 allow_unavailable_labels=False, enable_batching=False, batching_parameters_file=None,
                 monitoring_config_file=None, max_request_bytes=DEFAULT_MAX_REQUEST_BYTES,
                 max_batch_size=None, idle_timeout=DEFAULT_IDLE_TIMEOUT, access_log=False):
        from keras_gans.exporting.warmup import require_tf_serving_api
        from keras_gans.serving import config_files
        from keras_gans.serving.metrics import ServingMetrics
        from keras_gans.serving.predictor import Predictor
        from keras_gans.serving.repository import ModelRepository

        require_tf_serving_api()
        self.base = Path(base)
        if not self.base.is_dir():
            raise ConfigError(f"Export folder {self.base} does not exist. Export a model first "
                              f"(keras-gans export RUN_DIR --name NAME --base {self.base}) or "
                              "pass the folder that holds NAME/VERSION/ SavedModels.")
        if batching_parameters_file and not enable_batching:
            # server.cc refuses this combination the same way.
            raise ConfigError("--batching_parameters_file is set without --enable_batching; "
                              "add --enable_batching or drop the file.")
        if enable_batching and max_batch_size is not None:
            raise ConfigError("--max-batch-size applies without batching only; with "
                              "--enable_batching the limit is max_batch_size in the batching file.")
        self.model_config_file = model_config_file
        self._config_text = None
        batching = None
        if enable_batching:
            batching = (config_files.read_batching_parameters(batching_parameters_file)
                        if batching_parameters_file else config_files.default_batching_options())
        metrics_path = (config_files.read_monitoring_config(monitoring_config_file)
                        if monitoring_config_file else None)
        self.repository = ModelRepository(self._sources(), poll_seconds=poll_seconds,
                                          allow_unavailable_labels=allow_unavailable_labels)
        self.predictor = Predictor(self.repository, batching=batching,
                                   max_batch_size=max_batch_size, metrics=ServingMetrics())
        self.app = ServingApp(self.predictor, max_request_bytes=max_request_bytes,
                              metrics_path=metrics_path)
        self.host = host
        try:
            self._server = RestServer(host, port, self.app, idle_timeout=idle_timeout, access_log=access_log)
        except OSError as err:
            raise ConfigError(f"Cannot serve REST on {host}:{port}: {err.strerror or err}. "
                              "Pick another --port (0 picks a free one).") from None
        self.port = self._server.server_port
        self._grpc = None
        self.grpc_port = None
        if grpc_port is not None:
            from keras_gans.serving.grpc_server import start_grpc_server

            try:
                self._grpc, self.grpc_port = start_grpc_server(self.predictor, host, grpc_port)
            except (OSError, RuntimeError) as err:
                self._server.server_close()
                raise ConfigError(f"Cannot serve gRPC on {host}:{grpc_port}: {err}. Pick another "
                                  "--grpc-port (0 picks a free one, -1 turns gRPC off).") from None
        self.config_poll_seconds = config_poll_seconds
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _sources(self):
        from keras_gans.serving import config_files
        from keras_gans.serving.repository import sources_from_config, sources_from_folder

        if self.model_config_file is None:
            return lambda: sources_from_folder(self.base)
        config = config_files.read_model_config(self.model_config_file)  # clear errors first
        self._config_text = Path(self.model_config_file).read_text()
        return sources_from_config(config, self.base)

    def _watch_config(self) -> None:
        while not self._stop.wait(self.config_poll_seconds):
            try:
                if Path(self.model_config_file).read_text() != self._config_text:
                    self.repository.set_sources(self._sources())
                    for error in self.repository.scan():
                        log.error("model config %s: %s", self.model_config_file, error)
                    log.info("re-read %s", self.model_config_file)
            except Exception as err:  # a bad edit keeps the last good config, as TF Serving
                log.error("model config %s not applied: %s", self.model_config_file, err)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def grpc_target(self) -> str:
        return f"{self.host}:{self.grpc_port}"

    def start(self) -> "LocalServer":
        self.repository.start()
        targets = [self._server.serve_forever]
        if self.model_config_file and self.config_poll_seconds > 0:
            targets.append(self._watch_config)
        for target in targets:
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def serve_forever(self) -> None:
        self.start()
        try:
            self._stop.wait()
        finally:
            self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        if self._grpc is not None:
            self._grpc.stop(grace=1).wait()
        self.repository.stop()
        self.predictor.stop()
        for thread in self._threads:
            thread.join(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _serve(args) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = LocalServer(
        args.base, host=args.host, port=args.port,
        grpc_port=args.grpc_port if args.grpc_port >= 0 else None,
        model_config_file=args.model_config_file,
        config_poll_seconds=args.model_config_file_poll_wait_seconds,
        poll_seconds=args.poll_seconds,
        allow_unavailable_labels=args.allow_version_labels_for_unavailable_models,
        enable_batching=args.enable_batching,
        batching_parameters_file=args.batching_parameters_file,
        monitoring_config_file=args.monitoring_config_file,
        max_request_bytes=args.max_request_bytes, max_batch_size=args.max_batch_size,
        idle_timeout=args.idle_timeout, access_log=args.access_log)
    names = server.repository.model_names()
    grpc = f", gRPC at {server.grpc_target}" if server.grpc_port else ""
    print(f"Serving {', '.join(names) or 'no models yet'} from {args.base}: REST at {server.url}"
          f"{grpc} (TF Serving APIs; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def register(subparsers) -> None:
    """Adds `keras-gans serve`."""
    p = subparsers.add_parser(
        "serve", help="serve exported generators over TF Serving's REST and gRPC APIs (local)")
    p.add_argument("base", help="export folder holding NAME/VERSION/ SavedModels")
    p.add_argument("--port", "--rest_api_port", dest="port", type=int, default=8501,
                   help="REST port (TF Serving's 8501 by default)")
    p.add_argument("--grpc-port", "--grpc_port", dest="grpc_port", type=int,
                   default=DEFAULT_GRPC_PORT, help="gRPC port (8500; -1 turns gRPC off)")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network)")
    p.add_argument("--model_config_file", default=None,
                   help="ModelServerConfig text file, e.g. export/models.config")
    p.add_argument("--model_config_file_poll_wait_seconds", type=float, default=0.0,
                   help="re-read the model config this often (0: never, as TF Serving)")
    p.add_argument("--poll-seconds", "--file_system_poll_wait_seconds", dest="poll_seconds",
                   type=float, default=1.0, help="how often to look for new version folders")
    p.add_argument("--allow_version_labels_for_unavailable_models", action="store_true")
    p.add_argument("--enable_batching", action="store_true",
                   help="merge concurrent requests (see --batching_parameters_file)")
    p.add_argument("--batching_parameters_file", default=None,
                   help="BatchingParameters text file, e.g. serving/batching.config")
    p.add_argument("--monitoring_config_file", default=None,
                   help="MonitoringConfig text file, e.g. serving/monitoring.config")
    p.add_argument("--max-request-bytes", type=int, default=DEFAULT_MAX_REQUEST_BYTES)
    p.add_argument("--max-batch-size", type=int, default=None,
                   help="without batching: refuse requests with more examples (default: no limit)")
    p.add_argument("--idle-timeout", type=float, default=DEFAULT_IDLE_TIMEOUT,
                   help="seconds before a silent connection is closed")
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.set_defaults(func=_serve)
