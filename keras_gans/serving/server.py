"""A local server that speaks TF Serving's REST API, for machines without TF Serving or Docker.

    keras-gans serve export/ --port 8501 [--host 127.0.0.1]

Same URLs, request and response JSON, error bodies and HTTP status codes as
`tensorflow_model_server --rest_api_port=8501` (tensorflow_serving/g3doc/api_rest.md), so the
client, the load test and curl commands work unchanged against either.
"""

from __future__ import annotations

import json
import logging
import re
import threading

import numpy as np
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from keras_gans.serving import rest_json
from keras_gans.serving.errors import ServingError, invalid
from keras_gans.serving.repository import ModelRepository

log = logging.getLogger(__name__)

# TF Serving's own path patterns (http_rest_api_util.cc): case-insensitive, name without '/' ':'.
PREDICT_PATH = re.compile(
    r"(?i)/v1/models/([^/:]+)(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?"
    r":(classify|regress|predict)"
)
STATUS_PATH = re.compile(
    r"(?i)/v1/models(?:/([^/:]+))?(?:(?:/versions/(\d+))|(?:/labels/([^/:]+)))?(?:/(metadata))?"
)
V1_PATH = re.compile(r"(?i)/v1/.*")

DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_BATCH_SIZE = 256


def _tf_message(err: Exception) -> str:
    """The TF runtime's own message, without the Python-side "Graph execution error" preamble."""
    text = getattr(err, "message", None) or str(err)
    marker = "<stack traces unavailable>\n"
    if marker in text:
        text = text.split(marker, 1)[1]
    return text.strip()


class ServingApp:
    """The WSGI application: routes TF Serving's REST paths to a `ModelRepository`.

    Args:
        repository: where models and versions come from.
        max_request_bytes: bodies above this get HTTP 413 and `{"error": ...}`.
        max_batch_size: predict requests with more examples get INVALID_ARGUMENT (HTTP 400),
            worded like TF Serving's batching limit ("Task size N is larger than maximum input
            batch size M").
    """

    def __init__(self, repository: ModelRepository, *, max_request_bytes: int =
                 DEFAULT_MAX_REQUEST_BYTES, max_batch_size: int = DEFAULT_MAX_BATCH_SIZE):
        self.repository = repository
        self.max_request_bytes = max_request_bytes
        self.max_batch_size = max_batch_size

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            body = self._dispatch(request)
            response = Response(json.dumps(body), 200, mimetype="application/json")
        except ServingError as err:
            response = self._error(err.message, err.http_status)
        except Exception as err:  # a bug here must not take the server down
            log.exception("unhandled error for %s %s", request.method, request.path)
            response = self._error(f"{type(err).__name__}: {err}", 500)
        return response(environ, start_response)

    @staticmethod
    def _error(message: str, status: int) -> Response:
        return Response(json.dumps({"error": message}), status, mimetype="application/json")

    def _read_body(self, request: Request) -> bytes:
        length = request.content_length
        if length is not None and length > self.max_request_bytes:
            raise self._too_large(length)
        data = request.stream.read(self.max_request_bytes + 1)
        if len(data) > self.max_request_bytes:
            raise self._too_large(None)
        return data

    def _too_large(self, length: int | None) -> ServingError:
        size = f"{length} bytes" if length is not None else "more bytes"
        return ServingError(
            "RESOURCE_EXHAUSTED",
            f"Request body too large: {size} vs. the limit of {self.max_request_bytes} bytes "
            "(--max-request-bytes)",
            http_status=413,
        )

    def _dispatch(self, request: Request):
        path, method = request.path, request.method
        if method == "POST":
            match = PREDICT_PATH.fullmatch(path)
            if match:
                name, version, label, verb = match.groups()
                body = self._read_body(request)
                return self._predict(name, _version(version), label, verb.lower(), body)
        elif method == "GET":
            match = STATUS_PATH.fullmatch(path)
            if match:
                name, version, label, metadata = match.groups()
                if not name:
                    raise invalid("Missing model name in request.")
                version = _version(version)
                if metadata:
                    return self._metadata(name, version, label)
                return self.repository.status(name, version, label)
        if V1_PATH.fullmatch(path):
            raise invalid(f"Malformed request: {method} {path}")
        raise ServingError("NOT_FOUND", f"Not found: {method} {path}")

    def _metadata(self, name, version, label) -> dict:
        loaded = self.repository.get(name, version, label)
        # Every SignatureDef, "__saved_model_init_op" included, printed as TF Serving prints
        # them (proto field names, default values shown).
        signature_def = {key: _proto_to_dict(sig)
                         for key, sig in sorted(loaded.signature_defs.items())}
        return {
            "model_spec": {"name": name, "signature_name": "", "version": str(loaded.version)},
            "metadata": {"signature_def": {"signature_def": signature_def}},
        }

    def _predict(self, name, version, label, verb, body: bytes) -> dict:
        loaded = self.repository.get(name, version, label)
        doc = rest_json.parse_body(body)
        signature = rest_json.signature_name(doc)
        if signature not in loaded.signature_defs or signature.startswith("__"):
            raise invalid(f'Serving signature name: "{signature}" not found in signature def')
        sig_def = loaded.signature_defs[signature]
        if verb != "predict":
            raise invalid(
                f"Expected {verb} signature method_name to be tensorflow/serving/{verb}. "
                f"Was: {sig_def.method_name}"
            )
        specs = {k: v for k, v in sig_def.inputs.items()}
        arrays, fmt = rest_json.parse_inputs(doc, {k: v.dtype for k, v in specs.items()})
        self._check_inputs(arrays, specs)
        outputs = self._run(loaded.signatures[signature], arrays)
        return rest_json.make_response(outputs, fmt)

    def _check_inputs(self, arrays: dict, specs: dict) -> None:
        # TF Serving leaves shape checks to the TF runtime (400 with TF's message); checking
        # against the SignatureDef first gives the same status with a message naming the input.
        for key, array in arrays.items():
            dims = [d.size for d in specs[key].tensor_shape.dim]
            if specs[key].tensor_shape.unknown_rank:
                continue
            shape_ok = len(dims) == array.ndim and all(
                d < 0 or d == s for d, s in zip(dims, array.shape)
            )
            if not shape_ok:
                want = "[" + ",".join(str(d) for d in dims) + "]"
                got = "[" + ",".join(str(s) for s in array.shape) + "]"
                raise invalid(f"Input '{key}' has shape {got}; the signature expects {want}")
        batch = {int(a.shape[0]) for a in arrays.values() if a.ndim}
        if len(batch) > 1:
            raise invalid(
                "Batching Run() input tensors must have equal 0th-dimension size; got "
                + ", ".join(f"{k}: {a.shape[0] if a.ndim else '-'}" for k, a in arrays.items())
            )
        size = max(batch) if batch else 1
        if size > self.max_batch_size:
            raise invalid(
                f"Task size {size} is larger than maximum input batch size {self.max_batch_size}"
            )
        if size == 0:
            raise invalid("Input batch is empty")

    @staticmethod
    def _run(fn, arrays: dict) -> dict:
        import tensorflow as tf

        try:
            tensors = {k: tf.constant(v) for k, v in arrays.items()}
            result = fn(**tensors)
        except tf.errors.InvalidArgumentError as err:
            raise invalid(_tf_message(err)) from None
        except tf.errors.ResourceExhaustedError as err:
            raise ServingError("RESOURCE_EXHAUSTED", _tf_message(err)) from None
        except (TypeError, ValueError) as err:  # signature call rejected the tensors
            raise invalid(str(err)) from None
        return {k: np.asarray(v.numpy()) for k, v in result.items()}


def _proto_to_dict(message) -> dict:
    from google.protobuf import json_format

    try:
        return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                         always_print_fields_with_no_presence=True)
    except TypeError:  # protobuf < 5.26 names the option differently
        return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                         including_default_value_fields=True)


def _version(version: str | None) -> int | None:
    if version is None:
        return None
    try:
        return int(version)
    except ValueError:
        raise invalid(f"Failed to convert version: {version} to numeric.") from None


class _QuietHandler(WSGIRequestHandler):
    """No access-log line per request: under load the logging costs more than the model."""

    def log_request(self, code="-", size="-"):
        pass


class LocalServer:
    """A threaded werkzeug server around `ServingApp`, startable in the background.

    Args:
        base: export folder with `NAME/VERSION/` SavedModels.
        host: interface to bind; 127.0.0.1 keeps it off the network unless asked.
        port: TCP port; 0 picks a free one (see `.port`).
        poll_seconds: how often new or deleted version folders are noticed.
        max_request_bytes / max_batch_size: see `ServingApp`.
        access_log: log one line per request (werkzeug's format).

    Example:
        with LocalServer("export", port=0) as server:
            Client(server.url, "dcgan").generate_from_seed([1, 2])
    """

    def __init__(self, base, *, host="127.0.0.1", port=8501, poll_seconds=1.0,
                 max_request_bytes=DEFAULT_MAX_REQUEST_BYTES, max_batch_size=DEFAULT_MAX_BATCH_SIZE,
                 access_log=False):
        self.repository = ModelRepository(base, poll_seconds=poll_seconds)
        self.app = ServingApp(self.repository, max_request_bytes=max_request_bytes,
                              max_batch_size=max_batch_size)
        self.host = host
        handler = WSGIRequestHandler if access_log else _QuietHandler
        self._server = make_server(host, port, self.app, threaded=True, request_handler=handler)
        self.port = self._server.server_port
        self._thread = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> "LocalServer":
        self.repository.start()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.repository.start()
        try:
            self._server.serve_forever()
        finally:
            self.repository.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.repository.stop()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _serve(args) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    server = LocalServer(args.base, host=args.host, port=args.port,
                         poll_seconds=args.poll_seconds, max_request_bytes=args.max_request_bytes,
                         max_batch_size=args.max_batch_size, access_log=args.access_log)
    names = server.repository.model_names()
    print(f"Serving {', '.join(names) or 'no models yet'} from {args.base} at {server.url} "
          "(TF Serving REST API; Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


def register(subparsers) -> None:
    """Adds `keras-gans serve`."""
    p = subparsers.add_parser(
        "serve", help="serve exported generators over TF Serving's REST API (local stand-in)")
    p.add_argument("base", help="export folder holding NAME/VERSION/ SavedModels")
    p.add_argument("--port", type=int, default=8501, help="TF Serving's REST port by default")
    p.add_argument("--host", default="127.0.0.1",
                   help="interface to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network)")
    p.add_argument("--poll-seconds", type=float, default=1.0,
                   help="how often to look for new version folders")
    p.add_argument("--max-request-bytes", type=int, default=DEFAULT_MAX_REQUEST_BYTES)
    p.add_argument("--max-batch-size", type=int, default=DEFAULT_MAX_BATCH_SIZE)
    p.add_argument("--access-log", action="store_true", help="log every request")
    p.set_defaults(func=_serve)
