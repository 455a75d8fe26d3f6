"""The local TF-Serving-compatible server, the client and the load test, over real HTTP."""

from __future__ import annotations

import argparse
import json
import threading

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.exporting import SEED_SIGNATURE, export_generator
from keras_gans.serving import Client, ServingClientError
from keras_gans.serving import client as client_module
from keras_gans.serving import loadtest, server
from keras_gans.serving.server import LocalServer

from export_helpers import LATENT, seeded_latents, tiny_generator  # noqa: E402
from serving_helpers import get, post, wait_for  # noqa: E402
MAX_BATCH = 16
MAX_BYTES = 64 * 1024
IDLE_TIMEOUT = 1.0


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    base = tmp_path_factory.mktemp("export")
    generators = {1: tiny_generator(seed=1)}
    export_generator(generators[1], name="tiny", base=base)
    srv = LocalServer(base, port=0, poll_seconds=0.2, max_request_bytes=MAX_BYTES,
                      max_batch_size=MAX_BATCH, idle_timeout=IDLE_TIMEOUT)
    with srv:
        yield srv, base, generators


def test_status_and_metadata_json(served):
    srv, _, _ = served
    client = Client(srv.url, "tiny")
    assert client.status() == {"model_version_status": [
        {"version": "1", "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}}
    ]}
    meta = client.metadata()
    assert meta["model_spec"] == {"name": "tiny", "signature_name": "", "version": "1"}
    sigs = meta["metadata"]["signature_def"]["signature_def"]
    assert {"serving_default", SEED_SIGNATURE} <= set(sigs)
    z = sigs["serving_default"]["inputs"]["z"]
    assert z["dtype"] == "DT_FLOAT"
    assert [d["size"] for d in z["tensor_shape"]["dim"]] == ["-1", str(LATENT)]
    assert sigs["serving_default"]["method_name"] == "tensorflow/serving/predict"
    assert sigs[SEED_SIGNATURE]["outputs"]["images_png_bytes"]["dtype"] == "DT_STRING"
    assert get(f"{srv.url}/v1/models/tiny/versions/1")[1] == client.status()


@pytest.mark.parametrize("fmt", ["row", "columnar"])
def test_predict_matches_generator(served, fmt):
    srv, _, generators = served
    z = np.random.default_rng(0).standard_normal((3, LATENT)).astype("float32")
    images = Client(srv.url, "tiny", version=1).predict(z=z, format=fmt)
    assert images.dtype == np.float32 and images.shape == (3, 8, 8, 1)
    np.testing.assert_allclose(images, generators[1](z), atol=1e-5, rtol=0)


def test_response_keys_follow_the_request_format(served):
    srv, _, _ = served
    url = f"{srv.url}/v1/models/tiny:predict"
    status, rows = post(url, json.dumps({"instances": [[0.0] * LATENT]}).encode())
    assert status == 200 and list(rows) == ["predictions"] and len(rows["predictions"]) == 1
    status, cols = post(url, json.dumps({"inputs": {"z": [[0.0] * LATENT]}}).encode())
    assert status == 200 and list(cols) == ["outputs"]
    assert cols["outputs"] == rows["predictions"]  # single output: written without its name
    body = {"signature_name": SEED_SIGNATURE, "inputs": [5, 6]}
    status, seeded = post(url, json.dumps(body).encode())
    assert status == 200 and set(seeded["outputs"]) == {"images_uint8", "images_png_bytes"}
    assert set(seeded["outputs"]["images_png_bytes"][0]) == {"b64"}


@pytest.mark.parametrize("fmt", ["row", "columnar"])
def test_seed_signature_through_client(served, fmt):
    srv, _, generators = served
    result = Client(srv.url, "tiny").generate_from_seed([11, 12], format=fmt)
    assert result["images"].dtype == np.uint8 and result["images"].shape == (2, 8, 8, 1)
    for png, image in zip(result["png"], result["images"]):
        np.testing.assert_array_equal(tf.io.decode_png(png).numpy(), image)
    expected = np.round((generators[1](seeded_latents([11, 12])).numpy() + 1) * 127.5)
    assert np.abs(result["images"].astype(int) - expected).max() <= 1
    again = Client(srv.url, "tiny").generate_from_seed([12])["images"][0]
    np.testing.assert_array_equal(again, result["images"][1])


def test_generate_cli_writes_pngs(served, tmp_path):
    srv, _, _ = served
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    for module in (client_module, server, loadtest):
        module.register(subparsers)
    args = parser.parse_args(["generate", "--url", srv.url, "--model", "tiny", "-n", "3",
                              "--seed", "40", "-o", str(tmp_path / "out")])
    assert args.func(args) == 0
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["seed_40.png", "seed_41.png", "seed_42.png"]
    image = tf.io.decode_png((tmp_path / "out" / "seed_41.png").read_bytes()).numpy()
    np.testing.assert_array_equal(image, Client(srv.url, "tiny").generate_from_seed([41])[
        "images"][0])


def test_client_png_encoder_roundtrips():
    image = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(tf.io.decode_png(client_module.encode_png(image)).numpy(), image)


def test_new_models_and_versions_without_restart_latest_only(served):
    """Without a model config, as TF Serving's default policy: only the newest version."""
    srv, base, _ = served
    first, second = tiny_generator(seed=21), tiny_generator(seed=22)
    export_generator(first, name="versioned", base=base)
    z = np.random.default_rng(3).standard_normal((2, LATENT)).astype("float32")

    def states():
        status, body = get(f"{srv.url}/v1/models/versioned")
        entries = body.get("model_version_status", []) if status == 200 else []
        return [(v["version"], v["state"]) for v in entries]

    wait_for(lambda: states() == [("1", "AVAILABLE")])  # a new model folder, no restart
    export_generator(second, name="versioned", base=base)
    # The new version loads before the old one is unloaded; the state monitor keeps both.
    wait_for(lambda: states() == [("2", "AVAILABLE"), ("1", "END")])
    np.testing.assert_allclose(Client(srv.url, "versioned").predict(z=z), second(z), atol=1e-5)
    with pytest.raises(ServingClientError) as info:
        Client(srv.url, "versioned", version=1).predict(z=z)
    assert info.value.status == 404 and "Specific(versioned, 1)" in info.value.message


def test_conditional_model_over_rest(served):
    srv, base, _ = served
    z_in = keras.Input((LATENT,))
    label_in = keras.Input((), dtype="int32")
    emb = keras.layers.Embedding(3, LATENT)(label_in)
    x = keras.layers.Dense(64, activation="tanh")(keras.layers.Concatenate()([z_in, emb]))
    generator = keras.Model([z_in, label_in], keras.layers.Reshape((8, 8, 1))(x))
    export_generator(generator, name="cond", base=base, num_classes=3)
    wait_for(lambda: "AVAILABLE" in json.dumps(get(f"{srv.url}/v1/models/cond")[1]))
    client = Client(srv.url, "cond")
    z = np.random.default_rng(4).standard_normal((2, LATENT)).astype("float32")
    expected = generator([z, np.array([0, 2], "int32")])
    for fmt in ("row", "columnar"):
        np.testing.assert_allclose(client.predict(z=z, label=[0, 2], format=fmt), expected,
                                   atol=1e-5)
    assert client.generate_from_seed([1, 2], label=[1, 1])["images"].shape == (2, 8, 8, 1)
    with pytest.raises(ServingClientError) as info:
        client.predict(z=z, label=[0, 3])
    assert info.value.status == 400 and "label must be in [0, 3)" in info.value.message
    status, reply = post(f"{srv.url}/v1/models/cond:predict",
                         json.dumps({"instances": [Z_ROW]}).encode())
    assert status == 400 and "expecting list of objects" in reply["error"]


Z_ROW = [0.5] * LATENT
BAD_PREDICTS = [
    # (case, path suffix, body, HTTP status, substring of TF Serving's error text)
    ("malformed json", "tiny:predict", b'{"instances": [', 400, "JSON Parse error"),
    ("empty body", "tiny:predict", b"", 400, "The document is empty"),
    ("not an object", "tiny:predict", b"[1, 2]", 400, "Is not object"),
    ("no inputs key", "tiny:predict", b'{"foo": 1}', 400, "Missing 'inputs' or 'instances' key"),
    ("both formats", "tiny:predict", {"instances": [Z_ROW], "inputs": [Z_ROW]}, 400,
     "expecting only one of 'inputs' or 'instances'"),
    ("empty instances", "tiny:predict", {"instances": []}, 400, "No values in 'instances'"),
    ("unknown model", "nope:predict", {"instances": [Z_ROW]}, 404,
     "Servable not found for request: Latest(nope)"),
    ("unknown version", "tiny/versions/99:predict", {"instances": [Z_ROW]}, 404,
     "Servable not found for request: Specific(tiny, 99)"),
    ("unknown label", "tiny/labels/gold:predict", {"instances": [Z_ROW]}, 400,
     "Unrecognized servable version label: gold"),
    ("unknown signature", "tiny:predict", {"signature_name": "sample", "instances": [Z_ROW]},
     400, 'Serving signature name: "sample" not found in signature def'),
    ("signature not a string", "tiny:predict", {"signature_name": 3, "instances": [Z_ROW]},
     400, "'signature_name' key must be a string value."),
    ("wrong width", "tiny:predict", {"instances": [[0.5] * (LATENT - 1)]}, 400,
     "signature expects [-1,8]"),
    ("ragged rows", "tiny:predict", {"inputs": [Z_ROW, Z_ROW[:3]]}, 400,
     "Encountered list at unexpected size"),
    ("string for float", "tiny:predict", {"instances": [["a"] * LATENT]}, 400,
     "is not of expected type: DT_FLOAT"),
    ("float seed", "tiny:predict", {"signature_name": SEED_SIGNATURE, "instances": [1.5]}, 400,
     "is not of expected type: DT_INT64"),
    ("unknown input name", "tiny:predict", {"instances": [{"w": Z_ROW}]}, 400,
     "does not have named input: w"),
    ("batch over limit", "tiny:predict", {"instances": [Z_ROW] * (MAX_BATCH + 1)}, 400,
     f"Task size {MAX_BATCH + 1} is larger than maximum input batch size {MAX_BATCH}"),
    ("nan input", "tiny:predict", b'{"instances": [[NaN, 0, 0, 0, 0, 0, 0, 0]]}', 400,
     "z must be finite"),
    ("infinite input", "tiny:predict", b'{"inputs": [[0, 0, 0, -Infinity, 0, 0, 0, 0]]}', 400,
     "z must be finite"),
    ("body too large", "tiny:predict", b'{"instances": [' + b" " * MAX_BYTES + b"]}", 413,
     "Request body too large"),
    ("classify verb", "tiny:classify", {"examples": [{"z": 1.0}]}, 400,
     "Expected classify signature method_name"),
    ("version not numeric", "tiny/versions/x:predict", {"instances": [Z_ROW]}, 400,
     "Malformed request: POST /v1/models/tiny/versions/x:predict"),
]


@pytest.mark.parametrize("case,suffix,body,status,message", BAD_PREDICTS,
                         ids=[c[0] for c in BAD_PREDICTS])
def test_bad_predict_requests(served, case, suffix, body, status, message):
    srv, _, generators = served
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    got_status, reply = post(f"{srv.url}/v1/models/{suffix}", data)
    assert (got_status, list(reply)) == (status, ["error"]), reply
    assert message in reply["error"]
    # The server keeps serving after every bad request.
    z = np.zeros((1, LATENT), np.float32)
    np.testing.assert_allclose(Client(srv.url, "tiny").predict(z=z), generators[1](z), atol=1e-5)


BAD_GETS = [
    ("unknown model", "/v1/models/nope", 404, "Could not find any versions of model nope"),
    ("unknown version", "/v1/models/tiny/versions/99", 404, "Could not find version 99 of model"),
    ("metadata of unknown model", "/v1/models/nope/metadata", 404, "Servable not found"),
    ("no model name", "/v1/models", 400, "Missing model name in request."),
    ("malformed path", "/v1/models/tiny/extra/stuff", 400, "Malformed request: GET"),
    ("metrics without a monitoring file", "/monitoring/prometheus/metrics", 404, "Not found"),
]


@pytest.mark.parametrize("case,path,status,message", BAD_GETS, ids=[c[0] for c in BAD_GETS])
def test_bad_status_requests(served, case, path, status, message):
    srv, _, _ = served
    got_status, reply = get(srv.url + path)
    assert (got_status, list(reply)) == (status, ["error"]) and message in reply["error"]


def test_client_raises_server_errors(served):
    srv, _, _ = served
    with pytest.raises(ServingClientError) as info:
        Client(srv.url, "tiny", version=42).predict(z=np.zeros((1, LATENT)))
    assert info.value.status == 404 and "Specific(tiny, 42)" in info.value.message


def test_concurrent_requests_and_loadtest(served):
    srv, _, generators = served
    z = np.random.default_rng(5).standard_normal((4, 2, LATENT)).astype("float32")
    results: dict = {}

    def call(i):
        results[i] = Client(srv.url, "tiny").predict(z=z[i])

    threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(4):
        np.testing.assert_allclose(results[i], generators[1](z[i]), atol=1e-5)

    result = loadtest.run_loadtest(srv.url, "tiny", concurrency=2, duration=2.0)
    assert result.errors == 0 and result.requests > 0, result
    assert 0 < result.p50_ms <= result.p95_ms <= result.p99_ms <= result.max_ms
    capped = loadtest.run_loadtest(srv.url, "tiny", concurrency=2, duration=30.0,
                                   max_requests=5, signature=SEED_SIGNATURE)
    assert capped.requests == 5 and capped.errors == 0 and capped.seconds < 30
    # Clients spread over processes: the budget is split and every figure is merged.
    spread = loadtest.run_loadtest(srv.url, "tiny", concurrency=3, processes=2, duration=30.0,
                                   max_requests=7, signature=SEED_SIGNATURE)
    assert spread.requests == 7 and spread.errors == 0 and spread.concurrency == 3
    assert 0 < spread.p50_ms <= spread.p99_ms <= spread.max_ms


def test_loadtest_counts_errors(served):
    srv, _, _ = served
    result = loadtest.run_loadtest(srv.url, "tiny", concurrency=1, duration=5.0,
                                   max_requests=3, signature=SEED_SIGNATURE, version=77)
    assert result.errors == 3 and result.error_kinds == {"HTTP 404": 3}


def test_cli_defaults_bind_localhost():
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    for module in (client_module, server, loadtest):
        module.register(subparsers)
    args = parser.parse_args(["serve", "export"])
    assert (args.host, args.port, args.func) == ("127.0.0.1", 8501, server._serve)
    args = parser.parse_args(["loadtest", "--model", "m", "--concurrency", "2", "--duration", "3",
                              "--max-requests", "10"])
    assert (args.concurrency, args.duration, args.max_requests) == (2, 3.0, 10)


def test_docker_compose_pins_gpu_image_and_reads_the_generated_models_config():
    import re
    from pathlib import Path

    import yaml

    from keras_gans.exporting.serving_config import CONFIG_FILENAME, MODEL_ROOT

    root = Path(__file__).resolve().parents[1] / "serving"
    service = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]["tf-serving"]
    assert re.fullmatch(r"tensorflow/serving:\d+\.\d+\.\d+-gpu", service["image"])
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    assert mounts[MODEL_ROOT] == "../export"
    flags = dict(a[2:].split("=", 1) for a in service["command"])
    # The config export writes (export/models.config), seen through the /models mount.
    assert flags["model_config_file"] == f"{MODEL_ROOT}/{CONFIG_FILENAME}"
    for flag in ("batching_parameters_file", "monitoring_config_file"):
        assert (root / mounts[flags[flag]]).resolve().is_file(), flag
    assert flags["enable_batching"] == "true"
    assert "curl" in service["healthcheck"]["test"]
