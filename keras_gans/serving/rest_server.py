"""The HTTP/1.1 side of the local REST server: keep-alive connections, one thread each.

TF Serving's REST port (libevent) keeps a client's connection open between requests; a server
that closes it after every answer (as werkzeug's development server does) makes each request pay
a TCP handshake and a new thread, which on a small CPU costs more than the model. Requests are
read whole (Content-Length or chunked), answered by `ServingApp.respond`, and written in one
send with TCP_NODELAY, so a keep-alive client never waits on Nagle's algorithm.
"""

from __future__ import annotations

import logging
import socket
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from keras_gans.serving.errors import ServingError, invalid

log = logging.getLogger(__name__)

_REASONS = BaseHTTPRequestHandler.responses


class _BodyError(Exception):
    """The request body cannot be read; the answer is sent and the connection closed."""

    def __init__(self, error: ServingError):
        super().__init__(error.message)
        self.error = error


class RestHandler(BaseHTTPRequestHandler):
    """One connection; `server.app` answers each request on it."""

    protocol_version = "HTTP/1.1"  # keep-alive unless the client says otherwise
    server_version = "keras-gans-serve"
    access_log = False

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self):
        app = self.server.app
        try:
            # Read whatever body came, whatever the method: left unread, it would be parsed as
            # the connection's next request.
            body = self._read_body(app.max_request_bytes)
            status, content_type, payload = app.respond(self.command, urllib.parse.unquote(self.path.split("?", 1)[0]), body)
        except _BodyError as err:
            self.close_connection = True  # what is left of the body would be read as a request
            status, content_type, payload = app.error_body(err.error)
        self._send(status, content_type, payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def _read_body(self, limit: int) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            size = int(length)
            if size < 0:
                raise ValueError(length)
        except ValueError:
            raise _BodyError(invalid(f"Malformed request body: bad Content-Length {length!r}")) from None
        if size > limit:
            raise _BodyError(_too_large(f"{size} bytes", limit))
        data = self.rfile.read(size)
        if len(data) < size:
            raise _BodyError(invalid(f"Malformed request body: {len(data)} of {size} bytes arrived"))
        return data

    def _read_chunked(self, limit: int) -> bytes:
        parts, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BodyError(invalid(f"Malformed request body: invalid chunk size {line[:40]!r}")) from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):  # trailers
                    pass
                return b"".join(parts)
            total += size
            if total > limit:
                raise _BodyError(_too_large("more bytes", limit))
            chunk = self.rfile.read(size)
            if len(chunk) < size or self.rfile.readline(1024) not in (b"\r\n", b"\n"):
                raise _BodyError(invalid("Malformed request body: a chunk is cut off"))
            parts.append(chunk)

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        head = [f"{self.protocol_version} {status} {_REASONS.get(status, ('',))[0]}",
                f"Content-Type: {content_type}", f"Content-Length: {len(payload)}"]
        if self.close_connection:
            head.append("Connection: close")
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        if self.access_log:
            self.log_request(status, len(payload))

    def log_message(self, format, *args):
        if self.access_log:
            log.info("%s %s", self.address_string(), format % args)


def _too_large(size: str, limit: int) -> ServingError:
    return ServingError("RESOURCE_EXHAUSTED",
                        f"Request body too large: {size} vs. the limit of {limit} bytes (--max-request-bytes)",
                        http_status=413)


class RestServer(ThreadingHTTPServer):
    """A threaded HTTP server for `app`; `idle_timeout` closes silent connections."""

    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops connections when many clients start at once
    block_on_close = False  # open keep-alive connections end with their idle timeout

    def __init__(self, host: str, port: int, app, *, idle_timeout: float, access_log: bool = False):
        handler = type("ServingRequestHandler", (RestHandler,),
                       {"timeout": idle_timeout, "access_log": access_log})
        self.app = app
        self.address_family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]  # IPv6 hosts too
        super().__init__((host, port), handler)
