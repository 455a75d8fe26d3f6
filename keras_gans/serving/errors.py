"""TF Serving's error statuses and the HTTP codes its REST server maps them to."""

from __future__ import annotations

# tensorflow_serving/model_servers/http_server.cc (ToHTTPStatusCode): the canonical error code
# of a failed request decides the HTTP status; the body is always {"error": "<message>"}.
HTTP_STATUS = {
    "INVALID_ARGUMENT": 400,
    "FAILED_PRECONDITION": 400,
    "OUT_OF_RANGE": 400,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "ABORTED": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "UNIMPLEMENTED": 501,
    "UNAVAILABLE": 503,
    "DEADLINE_EXCEEDED": 504,
    "UNKNOWN": 500,
    "INTERNAL": 500,
    "DATA_LOSS": 500,
}


class ServingError(Exception):
    """A failed request: a TF Serving error code plus the message sent back as `{"error": ...}`.

    Args:
        code: canonical error code name, e.g. "INVALID_ARGUMENT" or "NOT_FOUND".
        message: the text of the `error` field.
        http_status: overrides the code's HTTP status (only the request-size limit does this:
            TF Serving's REST server sets no body limit, and 413 is what HTTP clients expect).
    """

    def __init__(self, code: str, message: str, http_status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status or HTTP_STATUS.get(code, 500)


def invalid(message: str) -> ServingError:
    return ServingError("INVALID_ARGUMENT", message)


def not_found(message: str) -> ServingError:
    return ServingError("NOT_FOUND", message)
