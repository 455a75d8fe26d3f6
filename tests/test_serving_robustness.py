"""Bad input and slow clients at the local server (issue 14): clear errors, HTTP 400 for
malformed bodies, idle connections closed, never a traceback or a 500."""

from __future__ import annotations

import http.client
import json
import socket
import time

import numpy as np
import pytest

from keras_gans import cli
from keras_gans.exporting import export_generator
from keras_gans.serving import Client
from keras_gans.serving.server import LocalServer

from export_helpers import LATENT, tiny_generator  # noqa: E402

IDLE_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("export")
    generator = tiny_generator(seed=3)
    export_generator(generator, name="tiny", base=base)
    with LocalServer(base, port=0, poll_seconds=0, idle_timeout=IDLE_TIMEOUT) as srv:
        yield srv, generator


def raw_exchange(port: int, data: bytes, timeout: float = 30.0) -> bytes:
    """Sends bytes on a fresh connection and reads the reply until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        reply = b""
        while chunk := sock.recv(65536):
            reply += chunk
    return reply


def status_and_error(reply: bytes):
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)["error"]


def test_serve_on_a_missing_folder_is_a_clear_usage_error(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert cli.main(["serve", str(missing), "--port", "0", "--grpc-port", "-1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "FileNotFoundError" not in err
    assert f"keras-gans serve: error: Export folder {missing} does not exist." in err
    assert "keras-gans export RUN_DIR --name NAME" in err


def test_batching_file_without_enable_batching_is_refused(tmp_path, capsys):
    (tmp_path / "batching.config").write_text("max_batch_size { value: 8 }\n")
    argv = ["serve", str(tmp_path), "--port", "0", "--grpc-port", "-1",
            "--batching_parameters_file", str(tmp_path / "batching.config")]
    assert cli.main(argv) == 2
    assert "--batching_parameters_file is set without --enable_batching" in capsys.readouterr().err


def nested_predict(port: int, depth: int):
    body = b'{"instances": ' + b"[" * depth + b"1" + b"]" * depth + b"}"
    request = (f"POST /v1/models/tiny:predict HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}"
               "\r\nConnection: close\r\n\r\n").encode() + body
    return status_and_error(raw_exchange(port, request))


def test_json_nested_10000_deep_is_a_400(server):
    status, error = nested_predict(server[0].port, 10_000)
    assert status == 400 and error.startswith("JSON Parse error") and "too deeply" in error


def test_json_nested_just_under_the_parser_limit_is_a_400(server):
    # Parses, then is too deep to turn into a tensor: still the client's error.
    status, error = nested_predict(server[0].port, 950)
    assert status == 400, error


def test_an_invalid_chunk_is_a_400(server):
    srv, generator = server
    request = (b"POST /v1/models/tiny:predict HTTP/1.1\r\nHost: x\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               b"zz\r\n{}\r\n0\r\n\r\n")
    status, error = status_and_error(raw_exchange(srv.port, request))
    assert status == 400 and error.startswith("Malformed request body:"), error
    # A well-formed chunked body still works.
    body = json.dumps({"instances": [[0.0] * LATENT]}).encode()
    good = (b"POST /v1/models/tiny:predict HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n" + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")
    reply = raw_exchange(srv.port, good)
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]
    predictions = json.loads(reply.partition(b"\r\n\r\n")[2])["predictions"]
    np.testing.assert_allclose(predictions, generator(np.zeros((1, LATENT), np.float32)), atol=1e-5)


def test_a_connection_stays_open_between_requests_as_tf_serving_keeps_it(server):
    # Without keep-alive every request pays a TCP handshake and a server thread.
    srv, generator = server
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    z = np.zeros((1, LATENT), np.float32)
    body = json.dumps({"instances": z.tolist()})
    sockets = []
    for _ in range(3):
        conn.request("POST", "/v1/models/tiny:predict", body=body, headers={"Content-Type": "application/json"})
        reply = conn.getresponse()
        assert reply.status == 200 and reply.getheader("Connection") is None
        np.testing.assert_allclose(json.loads(reply.read())["predictions"], generator(z), atol=1e-5)
        sockets.append(conn.sock)
    assert sockets[0] is not None and all(sock is sockets[0] for sock in sockets)
    # A body on a GET is read too, so it is not taken for the connection's next request.
    conn.request("GET", "/v1/models/tiny", body=b'{"x": 1}')
    assert conn.getresponse().read() and conn.sock is sockets[0]
    conn.request("POST", "/v1/models/tiny:predict", body=body)
    reply = conn.getresponse()
    assert reply.status == 200 and json.loads(reply.read())["predictions"]
    # "Connection: close" from the client is honoured: answered, then closed by the server.
    conn.request("GET", "/v1/models/tiny", headers={"Connection": "close"})
    reply = conn.getresponse()
    assert reply.status == 200 and reply.getheader("Connection") == "close"
    assert json.loads(reply.read())["model_version_status"][0]["state"] == "AVAILABLE"
    conn.close()


def test_a_silent_client_neither_blocks_others_nor_keeps_its_socket(server):
    srv, generator = server
    silent = [socket.create_connection(("127.0.0.1", srv.port), timeout=30) for _ in range(20)]
    try:
        started = time.monotonic()
        z = np.zeros((1, LATENT), np.float32)
        np.testing.assert_allclose(Client(srv.url, "tiny", timeout=10).predict(z), generator(z),
                                   atol=1e-5)
        assert time.monotonic() - started < IDLE_TIMEOUT  # served while 20 clients sit silent
        for sock in silent:
            assert sock.recv(1) == b""  # the server closed it: EOF, well before our 30 s
        held = time.monotonic() - started
        assert IDLE_TIMEOUT * 0.5 <= held < IDLE_TIMEOUT + 10, held
    finally:
        for sock in silent:
            sock.close()
    # A client that sends half a request line and stalls is dropped the same way.
    with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as sock:
        sock.sendall(b"GET /v1/models/ti")
        began = time.monotonic()
        assert sock.recv(1024) == b""
        assert time.monotonic() - began < IDLE_TIMEOUT + 10


def test_ports_in_use_are_clear_usage_errors(server, tmp_path, capsys):
    srv, _ = server
    base = str(srv.base)
    assert cli.main(["serve", base, "--port", str(srv.port), "--grpc-port", "-1"]) == 2
    assert f"Cannot serve REST on 127.0.0.1:{srv.port}" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", base, "--port", "0", "--grpc-port", str(port)]) == 2
    assert f"Cannot serve gRPC on 127.0.0.1:{port}" in capsys.readouterr().err


def test_a_broken_new_version_does_not_take_the_served_one_down(tmp_path):
    base = tmp_path / "export"
    generator = tiny_generator(seed=9)
    export_generator(generator, name="m", base=base)
    with LocalServer(base, port=0, poll_seconds=0.1) as srv:
        (base / "m" / "2").mkdir()
        (base / "m" / "2" / "saved_model.pb").write_bytes(b"not a SavedModel")
        deadline = time.time() + 60
        while time.time() < deadline:
            states = [(v["version"], v["state"]) for v in Client(srv.url, "m").status()["model_version_status"]]
            if states[0] == ("2", "END"):
                break
            time.sleep(0.1)
        assert states == [("2", "END"), ("1", "AVAILABLE")]
        z = np.zeros((1, LATENT), np.float32)
        np.testing.assert_allclose(Client(srv.url, "m").predict(z), generator(z), atol=1e-5)
