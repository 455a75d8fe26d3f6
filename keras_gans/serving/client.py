"""A TF Serving REST client for exported generators (HTTP through the standard library only).

    keras-gans generate --url http://127.0.0.1:8501 --model dcgan -n 4 -o samples/
"""

from __future__ import annotations

import base64
import json
import struct
import http.client
import threading
import urllib.parse
import zlib
from pathlib import Path

import numpy as np

SEED_SIGNATURE = "generate_from_seed"


class ServingClientError(RuntimeError):
    """A non-200 answer from the server: HTTP status plus TF Serving's `error` text."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


class Client:
    """Talks to TF Serving (or `keras-gans serve`) over REST for one model.

    Args:
        url: server root, e.g. "http://127.0.0.1:8501".
        model: model name (the export's NAME folder).
        version: pin a version number (`/versions/N`); default is the newest.
        label: or a version label (`/labels/L`), e.g. "stable".
        timeout: seconds per request.

    Example:
        client = Client("http://127.0.0.1:8501", "dcgan", label="stable")
        images = client.predict(z=np.random.normal(size=(4, 128)))  # float32 [4, H, W, C]
        pngs = client.generate_from_seed([1, 2, 3])["png"]          # list of PNG bytes
    """

    def __init__(self, url: str, model: str, version: int | None = None,
                 label: str | None = None, timeout: float = 60.0):
        if version is not None and label is not None:
            raise ValueError("Pass a version or a label, not both.")
        self.url = url.rstrip("/")
        self.model = model
        self.version = version
        self.label = label
        self.timeout = timeout
        self._local = threading.local()

    @property
    def model_url(self) -> str:
        path = f"{self.url}/v1/models/{urllib.parse.quote(self.model, safe='')}"
        if self.version is not None:
            path += f"/versions/{int(self.version)}"
        elif self.label is not None:
            path += f"/labels/{urllib.parse.quote(self.label, safe='')}"
        return path

    def request(self, method: str, url: str, body: dict | None = None) -> dict:
        """One HTTP round trip; raises `ServingClientError` with the server's message.

        Each thread keeps one keep-alive connection per client (as `requests.Session` does), so
        a load test measures the server rather than TCP handshakes; a connection the server has
        closed meanwhile (idle timeout) is reopened once.
        """
        data = None if body is None else json.dumps(body).encode()
        parts = urllib.parse.urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {"Content-Type": "application/json"}
        for attempt in (1, 2):
            conn = self._connection(parts)
            reused = getattr(conn, "_kg_used", False)
            try:
                conn.request(method, path, body=data, headers=headers)
                resp = conn.getresponse()
                raw = resp.read()
                conn._kg_used = True
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                self._local.connections.pop(parts.netloc, None)
                if not reused or attempt == 2:
                    raise
            except Exception:
                conn.close()
                self._local.connections.pop(parts.netloc, None)
                raise
        if resp.status != 200:
            try:
                message = json.loads(raw)["error"]
            except (ValueError, KeyError, TypeError):
                message = raw.decode("utf-8", "replace")
            raise ServingClientError(resp.status, message)
        return json.loads(raw)

    def _connection(self, parts) -> http.client.HTTPConnection:
        connections = getattr(self._local, "connections", None)
        if connections is None:
            connections = self._local.connections = {}
        conn = connections.get(parts.netloc)
        if conn is None:
            kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = connections[parts.netloc] = kind(parts.netloc, timeout=self.timeout)
        return conn

    def status(self) -> dict:
        """`{"model_version_status": [...]}` for the model (or the pinned version/label)."""
        return self.request("GET", self.model_url)

    def metadata(self) -> dict:
        """`{"model_spec": ..., "metadata": {"signature_def": ...}}`."""
        return self.request("GET", self.model_url + "/metadata")

    def predict_raw(self, inputs: dict, signature_name: str = "serving_default",
                    format: str = "row") -> dict:
        """Sends named inputs (arrays, batch first) and returns {output name: value list}."""
        inputs = {k: np.asarray(v).tolist() for k, v in inputs.items()}
        body: dict = {"signature_name": signature_name}
        if format == "row":
            names = sorted(inputs)
            batch = len(inputs[names[0]])
            if len(names) == 1:
                body["instances"] = inputs[names[0]]
            else:
                body["instances"] = [{n: inputs[n][i] for n in names} for i in range(batch)]
        elif format == "columnar":
            body["inputs"] = inputs
        else:
            raise ValueError(f"format must be 'row' or 'columnar', got {format!r}")
        reply = self.request("POST", self.model_url + ":predict", body)
        return _split_outputs(reply)

    def predict(self, z, label=None, signature_name: str = "serving_default",
                format: str = "row") -> np.ndarray:
        """Images float32 [batch, H, W, C] in [-1, 1] for latent vectors `z` [batch, latent]."""
        inputs = {"z": np.asarray(z, dtype=np.float32)}
        if label is not None:
            inputs["label"] = np.asarray(label, dtype=np.int64)
        outputs = self.predict_raw(inputs, signature_name, format)
        return _as_array(outputs, "images", np.float32)

    def generate_from_seed(self, seeds, label=None, format: str = "row") -> dict:
        """{"images": uint8 [batch, H, W, C], "png": [PNG bytes, ...]}; a seed always gives the
        same image."""
        inputs = {"seed": np.asarray(seeds, dtype=np.int64).reshape(-1)}
        if label is not None:
            inputs["label"] = np.asarray(label, dtype=np.int64).reshape(-1)
        outputs = self.predict_raw(inputs, SEED_SIGNATURE, format)
        pngs = [decode_b64(v) for v in outputs["images_png_bytes"]]
        return {"images": _as_array(outputs, "images_uint8", np.uint8), "png": pngs}

    def write_pngs(self, seeds, out_dir, label=None) -> list[Path]:
        """Writes `seed_<seed>.png` files (encoded by the server) and returns their paths."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        result = self.generate_from_seed(seeds, label=label)
        paths = []
        for seed, png in zip(np.asarray(seeds).reshape(-1), result["png"]):
            path = out / f"seed_{int(seed)}.png"
            path.write_bytes(png)
            paths.append(path)
        return paths


def _split_outputs(reply: dict) -> dict:
    """Row or columnar reply -> {output name: list over the batch}. A single-output reply has
    no names (api_rest.md), so it is returned under the key None."""
    if "outputs" in reply:
        outputs = reply["outputs"]
        if isinstance(outputs, dict) and set(outputs) != {"b64"}:
            return outputs
        return {None: outputs}
    rows = reply["predictions"]
    if rows and isinstance(rows[0], dict) and set(rows[0]) != {"b64"}:
        return {name: [row[name] for row in rows] for name in rows[0]}
    return {None: rows}


def _as_array(outputs: dict, name: str, dtype) -> np.ndarray:
    value = outputs[name] if name in outputs else outputs[None]
    return np.asarray(value, dtype=dtype)


def decode_b64(value) -> bytes:
    """TF Serving writes `_bytes` outputs as {"b64": "..."}."""
    if isinstance(value, dict) and "b64" in value:
        return base64.b64decode(value["b64"])
    raise ValueError(f"Expected a {{'b64': ...}} object, got {type(value).__name__}")


def encode_png(image: np.ndarray) -> bytes:
    """A minimal PNG writer (8-bit gray or RGB) so saving float images needs no image library."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = np.round((np.clip(image, -1, 1) + 1) * 127.5).astype(np.uint8)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    color_type = {2: 0, 3: 2}[image.ndim]  # 0: grayscale, 2: RGB
    height, width = image.shape[:2]
    raw = b"".join(b"\x00" + image[row].tobytes() for row in range(height))  # filter 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _generate(args) -> int:
    client = Client(args.url, args.model, version=args.version, label=args.label)
    seeds = list(range(args.seed, args.seed + args.n))
    labels = [args.label_id] * args.n if args.label_id is not None else None
    for path in client.write_pngs(seeds, args.output, label=labels):
        print(path)
    return 0


def register(subparsers) -> None:
    """Adds `keras-gans generate`."""
    p = subparsers.add_parser("generate", help="fetch images from a served generator as PNGs")
    p.add_argument("--url", default="http://127.0.0.1:8501", help="TF Serving REST root")
    p.add_argument("--model", required=True, help="model name")
    p.add_argument("--version", type=int, default=None, help="model version (default newest)")
    p.add_argument("--label", default=None, help="version label, e.g. stable")
    p.add_argument("-n", type=int, default=4, help="number of images")
    p.add_argument("--seed", type=int, default=0, help="first seed; images use seed..seed+n-1")
    p.add_argument("--label-id", type=int, default=None, help="class id for conditional models")
    p.add_argument("-o", "--output", default="samples", help="folder for seed_<n>.png files")
    p.set_defaults(func=_generate)
