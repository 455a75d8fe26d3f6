"""What `fit` logs to TensorBoard, read back through a real `tensorboard` server's HTTP data API."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from tensorboard_server import TensorBoardServer

import keras_gans
from keras_gans.callbacks import read_step_log

TAGS = {"loss/d", "loss/g", "loss/r1", "scores/real", "scores/fake", "grad_norm/d", "grad_norm/g", "lr/g", "lr/d"}


@pytest.fixture
def serve(tmp_path):
    servers = []

    def start(logdir):
        servers.append(TensorBoardServer(logdir, tmp_path / f"tensorboard-{len(servers)}.log").start())
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def pixels(png_bytes):
    return tf.io.decode_png(png_bytes).numpy()


def test_scalars_grids_and_hparams_in_tensorboard(tiny, tmp_path, serve):
    run_dir = tmp_path / "run"
    result = keras_gans.fit("r1", dataset="fashion_mnist", steps=6, seed=0, run_dir=run_dir, verbose=0,
                            log_every=2, sample_every=3, **tiny)
    server = serve(run_dir)
    server.wait_for(server.scalar_tags, lambda tags: TAGS <= tags)

    # Each point is the mean of the per-step values since the previous point.
    steps = read_step_log(run_dir / "metrics.jsonl")
    assert [s["step"] for s in steps] == [1, 2, 3, 4, 5, 6]
    for tag, key in (("loss/d", "d_loss"), ("loss/r1", "r1"), ("scores/fake", "fake_score"), ("grad_norm/g", "g_grad_norm")):
        logged = server.scalars(tag)
        assert [step for step, _ in logged] == [2, 4, 6]
        expected = [np.mean([s[key] for s in steps[i : i + 2]]) for i in (0, 2, 4)]
        np.testing.assert_allclose([v for _, v in logged], expected, rtol=1e-6)
    for tag, rate in (("lr/g", result.config.g_lr), ("lr/d", result.config.d_lr)):
        assert [v for _, v in server.scalars(tag)] == pytest.approx([rate] * 3)

    # The grid TensorBoard shows is the PNG written to samples/ (the EMA generator's: r1 keeps one).
    assert result.config.ema_decay > 0
    grids = server.wait_for(lambda: server.images("samples"), lambda found: len(found) == 2)
    assert [step for step, _ in grids] == [3, 6]
    np.testing.assert_array_equal(pixels(grids[1][1]), pixels((run_dir / "samples" / "step_000006.png").read_bytes()))
    assert pixels(grids[0][1]).shape == pixels(grids[1][1]).shape

    # The recipe's fields as hparams, nested ones dotted.
    experiment = server.post("/data/plugin/hparams/experiment", {"experimentName": ""})
    names = {info["name"] for info in experiment["hparamInfos"]}
    assert {"recipe", "objective", "batch_size", "g_lr", "regularizers.r1.gamma"} <= names
    groups = server.post("/data/plugin/hparams/session_groups", {
        "experimentName": "", "startIndex": 0, "sliceSize": 10,
        "allowedStatuses": ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"],
    })
    (group,) = groups["sessionGroups"]
    assert group["hparams"]["recipe"] == "r1" and group["hparams"]["batch_size"] == tiny["batch_size"]
    assert group["hparams"]["regularizers.r1.gamma"] == result.config.regularizers["r1"]["gamma"]


def test_tensorboard_off_writes_no_events(tiny, tmp_path):
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=2, run_dir=tmp_path, verbose=0, tensorboard=False, **tiny)
    assert not list(tmp_path.rglob("events.out.tfevents.*"))
    assert (tmp_path / "samples" / "final.png").is_file()


def test_fid_without_an_extractor_is_skipped_with_a_notice(tiny, tmp_path, serve, monkeypatch, caplog):
    # Array data has no project classifier, and on a CPU the FID network would cost far more than
    # 10% of training (fid_network=auto), so quality logging turns itself off, saying why.
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    images = np.random.default_rng(0).integers(0, 256, size=(64, 28, 28, 1), dtype=np.uint8)
    result = keras_gans.fit("dcgan", dataset=images, steps=4, seed=0, run_dir=tmp_path / "run", verbose=0,
                            fid_every=2, sample_every=0, log_every=2, **tiny)
    assert int(result.model.step.numpy()) == 4  # training went on
    assert "Quality (FID/KID) logging is off" in caplog.text and "fid_network=inception" in caplog.text
    assert not any("fid" in record or "quality_distance" in record for record in result.step_log)
    server = serve(tmp_path / "run")
    server.wait_for(lambda: server.get("/data/plugin/text/tags").get("train", []), lambda tags: "health/notices" in tags)
    (notice,) = server.get("/data/plugin/text/text", run="train", tag="health/notices", markdown="false")
    assert notice["step"] == 2 and "keras-gans evaluate" in notice["text"]


@pytest.mark.slow
def test_the_fid_network_is_logged_as_fid_with_its_protocol(tiny, tmp_path, serve):
    # fid_network=inception forces the FID network on this CPU; 8 samples keep it to seconds.
    run_dir = tmp_path / "run"
    result = keras_gans.fit("dcgan", dataset="fashion_mnist", steps=2, seed=0, run_dir=run_dir, verbose=0,
                            fid_every=2, fid_samples=8, fid_network="inception", sample_every=0, log_every=2, **tiny)
    server = serve(run_dir)
    tags = server.wait_for(server.scalar_tags, lambda tags: "quality/fid" in tags)
    assert {"quality/fid", "quality/fid_floor", "quality/kid"} <= tags and not any("fashion" in tag for tag in tags)
    description = server.get("/data/plugin/scalars/tags")["train"]["quality/fid"]["description"]
    assert "FID, 8 generated vs 8 real images (fashion_mnist test split)" in description
    assert "Inception 2015-12-05" in description and "resize_bilinear" in description
    (record,) = [record for record in result.step_log if "fid" in record]
    assert record["fid"] == pytest.approx(server.scalars("quality/fid")[0][1], rel=1e-5) and record["fid"] > 0


@pytest.mark.slow
def test_dcgan_on_fashion_mnist_halves_its_fid_and_tensorboard_shows_it(tmp_path, serve):
    # The issue asks for step 500 vs 5000 at full size; on 2 CPU cores this run (half-width
    # networks, latent 64) takes about 3 minutes and measured FID 58.6 at step 250 -> 23.4 at 1000.
    run_dir = tmp_path / "run"
    result = keras_gans.fit("dcgan", dataset="fashion_mnist", steps=1000, seed=0, run_dir=run_dir, verbose=0,
                            batch_size=64, generator_width=32, discriminator_width=32, latent_dim=64,
                            fid_every=250, fid_samples=1000, sample_every=250, log_every=50, checkpoint_every=500)
    server = serve(run_dir)
    # On a CPU the run is scored with the Fashion-MNIST classifier, under that name (never "fid").
    names = {"quality/fd_fashion_classifier", "quality/kd_fashion_classifier", "quality/fd_fashion_classifier_floor"}
    tags = server.wait_for(server.scalar_tags, lambda tags: names <= tags)
    assert "quality/fid" not in tags and "quality/seconds_fraction" in tags
    fid = server.scalars("quality/fd_fashion_classifier")
    kid = server.scalars("quality/kd_fashion_classifier")
    assert [step for step, _ in fid] == [250, 500, 750, 1000] == [step for step, _ in kid]
    assert fid[-1][1] <= fid[0][1] / 2, fid
    assert kid[-1][1] < kid[0][1], kid
    floor = dict(server.scalars("quality/fd_fashion_classifier_floor"))
    assert all(floor[step] < value for step, value in fid)
    description = server.get("/data/plugin/scalars/tags")["train"]["quality/fd_fashion_classifier"]["description"]
    assert "fashion_mnist" in description and "1000 generated" in description and "test split" in description
    assert "not FID" in description and "Fashion-MNIST classifier" in description

    grids = server.wait_for(lambda: server.images("samples"), lambda found: len(found) == 4)
    assert [step for step, _ in grids] == [250, 500, 750, 1000]
    np.testing.assert_array_equal(pixels(grids[-1][1]), pixels((run_dir / "samples" / "step_001000.png").read_bytes()))

    # The best checkpoint is the lowest distance's, kept beside the latest.
    store = result.checkpoints
    best_step, best_fid = min(fid, key=lambda point: point[1])
    assert store.best().step == best_step and store.best().meta["fid"] == pytest.approx(best_fid, rel=1e-6)
    assert store.latest().step == 1000
