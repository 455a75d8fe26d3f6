"""TF Serving's config files, read with the real protos: models.config written from disk, version
policies and labels as ServerCore applies them, batching and monitoring files."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from keras_gans import cli
from keras_gans.errors import ConfigError
from keras_gans.exporting import export_generator
from keras_gans.exporting.serving_config import serving_config_text
from keras_gans.serving import Client, ServingClientError
from keras_gans.serving.config_files import (
    read_batching_parameters,
    read_model_config,
    read_monitoring_config,
)
from keras_gans.serving.server import LocalServer

from export_helpers import LATENT, tiny_generator  # noqa: E402
from serving_helpers import get, wait_for  # noqa: E402

SERVING = Path(__file__).resolve().parents[1] / "serving"
Z = np.random.default_rng(7).standard_normal((2, LATENT)).astype("float32")


def states(server, name):
    status, body = get(f"{server.url}/v1/models/{name}")
    return [(int(v["version"]), v["state"]) for v in body.get("model_version_status", [])]


@pytest.fixture(scope="module")
def generators():
    return {v: tiny_generator(seed=100 + v) for v in (1, 2, 3)}


def test_shipped_batching_and_monitoring_files_parse_with_tf_serving_protos(tmp_path):
    options = read_batching_parameters(SERVING / "batching.config")
    assert (options.max_batch_size, options.batch_timeout_micros, options.num_batch_threads,
            options.max_enqueued_batches, options.allowed_batch_sizes) == (64, 2000, 4, 100,
                                                                           (8, 16, 32, 64))
    assert read_monitoring_config(SERVING / "monitoring.config") == "/monitoring/prometheus/metrics"
    typo = tmp_path / "typo.config"
    typo.write_text("max_batch_sise { value: 8 }\n")
    with pytest.raises(ConfigError, match="not a valid text-format BatchingParameters.*max_batch_sise"):
        read_batching_parameters(typo)
    mismatch = tmp_path / "mismatch.config"
    mismatch.write_text("max_batch_size { value: 8 }\nallowed_batch_sizes: 4\n")
    with pytest.raises(ConfigError, match="Last entry in allowed_batch_sizes must match max_batch_size"):
        read_batching_parameters(mismatch)
    off = tmp_path / "off.config"
    off.write_text("prometheus_config { enable: false }\n")
    assert read_monitoring_config(off) is None


def test_max_batch_size_comes_from_the_batching_file(tmp_path, generators, capsys):
    base = tmp_path / "export"
    export_generator(generators[1], name="m", base=base)
    with LocalServer(base, port=0, poll_seconds=0, enable_batching=True,
                     batching_parameters_file=SERVING / "batching.config") as srv:
        client = Client(srv.url, "m")
        assert client.predict(np.zeros((64, LATENT), np.float32)).shape == (64, 8, 8, 1)
        with pytest.raises(ServingClientError) as info:
            client.predict(np.zeros((65, LATENT), np.float32))
    assert (info.value.status, info.value.message) == (
        400, "Task size 65 is larger than maximum input batch size 64")
    assert cli.main(["serve", str(base), "--model_config_file", str(tmp_path / "none.config")]) == 2
    assert "--model_config_file: " in capsys.readouterr().err


def test_serving_config_matches_disk_and_export_refreshes_it(tmp_path, generators, capsys):
    base = tmp_path / "export"
    assert cli.main(["serving-config", str(base)]) == 2
    assert "does not exist. Export a model first" in capsys.readouterr().err
    export_generator(generators[1], name="fashion_dcgan", base=base)
    export_generator(generators[2], name="fashion_dcgan", base=base)
    export_generator(generators[1], name="other", base=base)
    (base / "empty").mkdir()  # a folder without versions is not configured: TF Serving would wait
    config = read_model_config(base / "models.config")  # written by export itself
    models = {m.name: m for m in config.model_config_list.config}
    assert sorted(models) == ["fashion_dcgan", "other"]
    assert models["fashion_dcgan"].base_path == "/models/fashion_dcgan"
    assert dict(models["fashion_dcgan"].version_labels) == {"stable": 1, "canary": 2}
    assert dict(models["other"].version_labels) == {"stable": 1}
    assert models["other"].model_version_policy.latest.num_versions == 3
    out = tmp_path / "elsewhere.config"
    assert cli.main(["serving-config", str(base), "-o", str(out), "--model-root", "/srv"]) == 0
    assert 'base_path: "/srv/other"' in out.read_text()
    assert (base / "models.config").read_text() == serving_config_text(base)


def test_policies_and_label_status_from_a_model_config(tmp_path, generators):
    base = tmp_path / "export"
    for v in (1, 2, 3):
        export_generator(generators[v], name="m", base=base, version=v)
    config = tmp_path / "models.config"
    config.write_text("""model_config_list {
      config { name: "m" base_path: "/models/m" model_platform: "tensorflow"
               model_version_policy { specific { versions: 1 versions: 3 } }
               version_labels { key: "stable" value: 1 } version_labels { key: "canary" value: 3 } }
      config { name: "every" base_path: "m" model_version_policy { all {} } }
      config { name: "newest" base_path: "m" }
    }""")
    with LocalServer(base, port=0, model_config_file=config, poll_seconds=0) as srv:
        assert states(srv, "m") == [(3, "AVAILABLE"), (1, "AVAILABLE")]
        assert states(srv, "every") == [(3, "AVAILABLE"), (2, "AVAILABLE"), (1, "AVAILABLE")]
        assert states(srv, "newest") == [(3, "AVAILABLE")]  # default policy: latest, 1 version
        np.testing.assert_allclose(Client(srv.url, "m", label="stable").predict(Z),
                                   generators[1](Z), atol=1e-5)
        np.testing.assert_allclose(Client(srv.url, "m", label="canary").predict(Z),
                                   generators[3](Z), atol=1e-5)
        assert Client(srv.url, "m", label="stable").metadata()["model_spec"]["version"] == "1"
        # get_model_status_impl.cc looks at a version number only: a label lists every version,
        # even an unknown label.
        assert get(f"{srv.url}/v1/models/m/labels/stable")[1] == get(f"{srv.url}/v1/models/m")[1]
        assert get(f"{srv.url}/v1/models/m/labels/gold")[0] == 200
        with pytest.raises(ServingClientError) as info:
            Client(srv.url, "m", label="gold").predict(Z)
        assert (info.value.status, info.value.message) == (400, "Unrecognized servable version label: gold")
        with pytest.raises(ServingClientError, match="Specific\\(m, 2\\)"):
            Client(srv.url, "m", version=2).predict(Z)


def test_a_label_on_a_version_that_is_not_loaded_is_refused(tmp_path, generators):
    base = tmp_path / "export"
    export_generator(generators[1], name="m", base=base)
    config = tmp_path / "models.config"
    config.write_text('model_config_list { config { name: "m" base_path: "m" '
                      'version_labels { key: "canary" value: 2 } } }')
    with pytest.raises(ConfigError, match="Request to assign label to version 2 of model m, "
                                          "which is not currently available for inference"):
        LocalServer(base, port=0, model_config_file=config, poll_seconds=0)
    with LocalServer(base, port=0, model_config_file=config, poll_seconds=0,
                     allow_unavailable_labels=True) as srv:
        with pytest.raises(ServingClientError, match="Specific\\(m, 2\\)"):
            Client(srv.url, "m", label="canary").predict(Z)


def test_readme_rollout_adds_a_version_without_dropping_a_request(tmp_path, generators):
    """serving/README.md's steps: export v1 and v2, serve export/models.config, export v3; v3
    loads, the labels move when the config is re-read, and `stable` answers throughout."""
    base = tmp_path / "export"
    export_generator(generators[1], name="dcgan", base=base)
    export_generator(generators[2], name="dcgan", base=base)
    failures, served = [], []
    with LocalServer(base, port=0, model_config_file=base / "models.config",
                     config_poll_seconds=0.3, poll_seconds=0.1) as srv:
        stop = threading.Event()

        def keep_asking():
            client = Client(srv.url, "dcgan", label="stable")
            while not stop.is_set():
                try:
                    served.append(client.metadata()["model_spec"]["version"])
                except Exception as err:  # noqa: BLE001 - every failure is reported below
                    failures.append(err)

        thread = threading.Thread(target=keep_asking)
        thread.start()
        try:
            export_generator(generators[3], name="dcgan", base=base)
            wait_for(lambda: states(srv, "dcgan")[0] == (3, "AVAILABLE"), "v3 never loaded")
            canary = Client(srv.url, "dcgan", label="canary")
            wait_for(lambda: canary.metadata()["model_spec"]["version"] == "3", "labels never moved")
        finally:
            stop.set()
            thread.join()
        np.testing.assert_allclose(Client(srv.url, "dcgan", label="stable").predict(Z),
                                   generators[2](Z), atol=1e-5)
    assert failures == [] and served, failures[:3]
    assert served[0] == "1" and served[-1] == "2"
