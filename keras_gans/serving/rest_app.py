"""The REST side of the local server: TF Serving's URLs, JSON bodies and status codes
(tensorflow_serving/g3doc/api_rest.md, model_servers/http_rest_api_handler.cc), answered from
a request's method, path and body (`rest_server` does the HTTP)."""

from __future__ import annotations

import json
import logging
import re

from keras_gans.serving import rest_json
from keras_gans.serving.errors import ServingError, invalid
from keras_gans.serving.predictor import Predictor

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
JSON = "application/json"


class ServingApp:
    """Routes TF Serving's REST paths to a `Predictor`.

    Args:
        predictor: version lookup, input checks, batching and metrics.
        max_request_bytes: bodies above this get HTTP 413 and `{"error": ...}` (the HTTP layer
            enforces it while reading).
        metrics_path: where Prometheus metrics are served (None: not served).
    """

    def __init__(self, predictor: Predictor, *, max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
                 metrics_path: str | None = None):
        self.predictor = predictor
        self.repository = predictor.repository
        self.max_request_bytes = max_request_bytes
        self.metrics_path = metrics_path

    def respond(self, method: str, path: str, body: bytes) -> tuple[int, str, bytes]:
        """(HTTP status, content type, body) for one request; `path` is percent-decoded."""
        try:
            if self.metrics_path and method == "GET" and path == self.metrics_path:
                return 200, "text/plain", self.predictor.metrics.prometheus_text().encode()
            answer = self._dispatch(method, path, body)  # a dict, or a predict response's JSON text
            return 200, JSON, (answer if isinstance(answer, str) else json.dumps(answer)).encode()
        except ServingError as err:
            return self.error_body(err)
        except Exception as err:  # a bug here must not take the server down
            log.exception("unhandled error for %s %s", method, path)
            return self.error_body(ServingError("INTERNAL", f"{type(err).__name__}: {err}", http_status=500))

    @staticmethod
    def error_body(err: ServingError) -> tuple[int, str, bytes]:
        return err.http_status, JSON, json.dumps({"error": err.message}).encode()

    def _dispatch(self, method: str, path: str, body: bytes):
        if method == "POST":
            match = PREDICT_PATH.fullmatch(path)
            if match:
                name, version, label, verb = match.groups()
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
                return self.repository.status(name, version)
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
        doc = rest_json.parse_body(body)
        signature = rest_json.signature_name(doc)

        def parse(sig_def):
            if verb != "predict":
                raise invalid(
                    f"Expected {verb} signature method_name to be tensorflow/serving/{verb}. "
                    f"Was: {sig_def.method_name}"
                )
            return rest_json.parse_inputs(doc, {k: v.dtype for k, v in sig_def.inputs.items()})

        _, outputs, fmt = self.predictor.predict(name, version, label, signature, parse,
                                                 entrypoint="REST")
        return rest_json.make_response(outputs, fmt)


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


