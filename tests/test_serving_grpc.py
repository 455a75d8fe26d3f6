"""gRPC over a real channel, server-side batching, Prometheus metrics and warm-up replay."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
import tensorflow as tf

from keras_gans.exporting import SEED_SIGNATURE, export_generator
from keras_gans.serving import Client, ServingClientError
from keras_gans.serving.grpc_client import GrpcClient, GrpcClientError
from keras_gans.serving.server import LocalServer

from export_helpers import LATENT, seeded_latents, tiny_generator  # noqa: E402


@pytest.fixture(scope="module")
def batched(tmp_path_factory):
    """REST + gRPC with batching: up to 4 examples, a long timeout so concurrent requests meet,
    one padded size (4), and Prometheus metrics on."""
    base = tmp_path_factory.mktemp("export")
    generator = tiny_generator(seed=5)
    export_generator(generator, name="tiny", base=base)
    files = tmp_path_factory.mktemp("configs")
    (files / "batching.config").write_text(
        "max_batch_size { value: 4 }\nbatch_timeout_micros { value: 1000000 }\n"
        "num_batch_threads { value: 1 }\nallowed_batch_sizes: 2\nallowed_batch_sizes: 4\n")
    (files / "monitoring.config").write_text(
        'prometheus_config { enable: true path: "/monitoring/prometheus/metrics" }\n')
    with LocalServer(base, port=0, grpc_port=0, poll_seconds=0, enable_batching=True,
                     batching_parameters_file=files / "batching.config",
                     monitoring_config_file=files / "monitoring.config") as srv:
        yield srv, generator


def metrics(srv) -> str:
    with urllib.request.urlopen(srv.url + "/monitoring/prometheus/metrics", timeout=30) as resp:
        return resp.read().decode()


def concurrently(calls):
    """Runs the callables at once; returns their results or exceptions, in order."""
    results = [None] * len(calls)

    def run(i):
        try:
            results[i] = calls[i]()
        except Exception as err:  # noqa: BLE001 - the test inspects it
            results[i] = err

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_grpc_predict_metadata_and_status_over_a_real_channel(batched):
    srv, generator = batched
    z = np.random.default_rng(1).standard_normal((2, LATENT)).astype("float32")
    with GrpcClient(srv.grpc_target, "tiny") as client:
        calls = [lambda: client.predict(z), lambda: client.generate_from_seed([11, 12])]
        images, seeded = concurrently(calls)
        # TensorProtos carry float32 bits: what the SavedModel computes, nothing lost in JSON.
        expected = tf.saved_model.load(str(srv.base / "tiny" / "1")).signatures[
            "serving_default"](z=tf.constant(z))["images"].numpy()
        np.testing.assert_array_equal(images, expected)
        np.testing.assert_allclose(images, generator(z), atol=1e-5)
        assert seeded["images"].dtype == np.uint8 and seeded["images"].shape == (2, 8, 8, 1)
        np.testing.assert_array_equal(tf.io.decode_png(seeded["png"][1]).numpy(), seeded["images"][1])
        rounded = np.round((generator(seeded_latents([11, 12])).numpy() + 1) * 127.5)
        assert np.abs(seeded["images"].astype(int) - rounded).max() <= 1
        meta = client.metadata()
        assert meta["version"] == 1 and {"serving_default", SEED_SIGNATURE} <= set(meta["signature_def"])
        assert [d.size for d in meta["signature_def"]["serving_default"].inputs["z"].tensor_shape.dim] == [-1, LATENT]
        assert client.status() == [(1, "AVAILABLE")]
        rest = Client(srv.url, "tiny").generate_from_seed([12])["images"][0]
        np.testing.assert_array_equal(rest, seeded["images"][1])  # same bytes over both APIs


@pytest.mark.parametrize("kwargs,inputs,code,message", [
    ({"model": "nope"}, {"z": np.zeros((1, LATENT), np.float32)}, "NOT_FOUND",
     "Servable not found for request: Latest(nope)"),
    ({"model": "tiny", "version": 9}, {"z": np.zeros((1, LATENT), np.float32)}, "NOT_FOUND",
     "Specific(tiny, 9)"),
    ({"model": "tiny", "label": "gold"}, {"z": np.zeros((1, LATENT), np.float32)},
     "INVALID_ARGUMENT", "Unrecognized servable version label: gold"),
    ({"model": "tiny"}, {"z": np.zeros((1, LATENT), np.int64)}, "INVALID_ARGUMENT",
     "Expects arg 'z' to be float32 but int64 is provided"),
    ({"model": "tiny"}, {"w": np.zeros((1, LATENT), np.float32)}, "INVALID_ARGUMENT",
     "input size does not match signature"),
    ({"model": "tiny"}, {"z": np.zeros((5, LATENT), np.float32)}, "INVALID_ARGUMENT",
     "Task size 5 is larger than maximum input batch size 4"),
])
def test_grpc_errors_carry_tf_serving_codes(batched, kwargs, inputs, code, message):
    srv, _ = batched
    with GrpcClient(srv.grpc_target, **kwargs) as client:
        with pytest.raises(GrpcClientError) as info:
            client.predict_raw(inputs)
    assert info.value.code == code and message in info.value.message
    with GrpcClient(srv.grpc_target, "tiny") as client:
        with pytest.raises(GrpcClientError) as info:
            client.predict_raw({"z": np.zeros((1, LATENT), np.float32)}, "sample")
    assert (info.value.code, info.value.message) == ("FAILED_PRECONDITION",
                                                     'Serving signature key "sample" not found.')


def test_concurrent_requests_are_merged_into_padded_batches(batched):
    srv, generator = batched
    before = metrics(srv)
    z = np.random.default_rng(2).standard_normal((3, LATENT)).astype("float32")
    client = Client(srv.url, "tiny")
    # 1 + 2 examples from two clients: one batch of 3, padded to the allowed size 4.
    results = concurrently([lambda: client.predict(z[:1]), lambda: client.predict(z[1:])])
    np.testing.assert_allclose(np.concatenate(results), generator(z), atol=1e-5)
    merged = r'processed_batch_size\{model_name="tiny",version="1",signature="serving_default",batch_size="4"\} (\d+)'
    count = lambda text: int((re.search(merged, text) or [0, 0])[1])  # noqa: E731
    assert count(metrics(srv)) == count(before) + 1


def test_an_error_in_a_merged_batch_fails_every_request_of_it(batched):
    """As TF Serving's BatchingSession: one status per batch, so one client's NaN fails its
    neighbours (serving/README.md documents it)."""
    srv, generator = batched
    good = np.zeros((1, LATENT), np.float32)
    bad = np.full((1, LATENT), np.nan, np.float32)
    client = Client(srv.url, "tiny")
    results = concurrently([lambda: client.predict(good)] * 3 + [lambda: client.predict(bad)])
    assert all(isinstance(r, ServingClientError) and r.status == 400
               and "z must be finite" in r.message for r in results), results
    np.testing.assert_allclose(client.predict(good), generator(good), atol=1e-5)  # alone: fine


def test_prometheus_metrics_count_requests_per_model_version_and_signature(batched):
    srv, _ = batched
    Client(srv.url, "tiny").generate_from_seed([1])
    with pytest.raises(ServingClientError):
        Client(srv.url, "tiny", version=42).generate_from_seed([1])
    with GrpcClient(srv.grpc_target, "tiny") as client:
        client.generate_from_seed([2])
    text = metrics(srv)
    labels = 'model_name="tiny",version="1",signature="generate_from_seed",API="predict"'
    assert re.search(rf':tensorflow:serving:request_count\{{{labels},entrypoint="REST",status="OK"\}} [1-9]', text)
    assert re.search(rf':tensorflow:serving:request_count\{{{labels},entrypoint="GRPC",status="OK"\}} [1-9]', text)
    assert re.search(r'request_count\{model_name="tiny",version="42",.*status="NOT_FOUND"\} 1', text)
    buckets = re.findall(rf':tensorflow:serving:request_latency_bucket\{{{labels},entrypoint="REST",le="([^"]+)"\}} (\d+)', text)
    assert len(buckets) == 34 and buckets[-1][0] == "+Inf"
    counts = [int(n) for _, n in buckets]
    assert counts == sorted(counts) and counts[-1] >= 1  # cumulative, microseconds


def test_warmup_requests_are_replayed_before_available(tmp_path):
    base = tmp_path / "export"
    export_generator(tiny_generator(), name="warm", base=base)
    broken = export_generator(tiny_generator(), name="cold", base=base)
    from keras_gans.exporting.warmup import WARMUP_FILENAME, prediction_log

    with tf.io.TFRecordWriter(str(broken / "assets.extra" / WARMUP_FILENAME)) as writer:
        writer.write(prediction_log("cold", "serving_default", {"z": np.zeros((1, 3), np.float32)}))
    with LocalServer(base, port=0, poll_seconds=0) as srv:
        assert srv.repository.get("warm").warmup_records == 2  # one per signature, replayed
        status = json.loads(urllib.request.urlopen(f"{srv.url}/v1/models/cold").read())
        (entry,) = status["model_version_status"]
        # A failing warm-up request fails the load: the version never turns AVAILABLE.
        assert entry["state"] == "END" and entry["status"]["error_code"] == "UNKNOWN"
        assert "Warm-up request 1 of" in entry["status"]["error_message"]
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(urllib.request.Request(
                f"{srv.url}/v1/models/cold:predict", data=b'{"instances": [[0,0,0,0,0,0,0,0]]}'))
        assert info.value.code == 404


def test_loadtest_over_grpc(batched):
    from keras_gans.serving.loadtest import run_loadtest

    srv, _ = batched
    # 4 clients, 4 one-image requests: one full batch of 4, no timeout to wait for.
    result = run_loadtest(srv.url, "tiny", concurrency=4, duration=30.0, max_requests=4,
                          grpc_target=srv.grpc_target)
    assert (result.requests, result.errors) == (4, 0) and result.seconds < 30
    failed = run_loadtest(srv.url, "tiny", concurrency=1, duration=30.0, max_requests=2,
                          grpc_target=srv.grpc_target, version=77, signature=SEED_SIGNATURE)
    assert failed.error_kinds == {"NOT_FOUND": 2}
