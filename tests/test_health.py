"""Training health: a diverged run stops with its step and last good checkpoint; warnings name remedies."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import keras_gans
from keras_gans.callbacks import StopAtStep, TrainingDiverged, read_step_log
from keras_gans.callbacks.health import COLLAPSE_REMEDIES, D_WINS_REMEDIES, mean_pairwise_distance
from keras_gans.config import available_recipes
from keras_gans.checkpoints.load import load_run
from keras_gans.checkpoints.store import CheckpointStore

QUIET = {"verbose": 0, "sample_every": 0}


def test_a_nan_stops_training_naming_the_step_and_the_kept_checkpoint(tiny, tmp_path):
    run_dir = tmp_path / "run"
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=40, seed=0, run_dir=run_dir, checkpoint_every=2,
                   tensorboard=False, callbacks=[StopAtStep(4)], **QUIET, **tiny)
    # A learning rate of 1e30 sends the weights past float32's range within a step or two.
    with pytest.raises(TrainingDiverged) as caught:
        keras_gans.fit(resume=run_dir, g_lr=1e30, d_lr=1e30, verbose=0)
    error = caught.value
    kept = run_dir / "checkpoints" / "step_00000004"
    assert 4 < error.step < 40 and error.checkpoint == kept
    assert f"step {error.step}" in str(error) and str(kept) in str(error) and "--resume" in str(error)
    assert any(np.isnan(v) or np.isinf(v) for v in error.values.values())
    # The kept checkpoint is the only one, it loads, and its weights are finite.
    assert [c.path for c in CheckpointStore(run_dir).all()] == [kept]
    run = load_run(run_dir)
    assert all(np.isfinite(v.numpy()).all() for v in run.model.variables if "float" in str(v.dtype))
    # Every step up to the one found bad is logged, finite before it, the offending value at it.
    records = {r["step"]: r for r in read_step_log(run_dir / "metrics.jsonl")}
    assert set(range(1, error.step + 1)) <= set(records)
    assert all(isinstance(records[s]["d_loss"], float) for s in range(1, error.step))
    assert {records[error.step][k] for k in error.values} & {"nan", "inf", "-inf"}


def test_the_cli_reports_divergence_without_a_traceback(tiny, tmp_path, capsys):
    from keras_gans.cli import main

    flags = [arg for key, value in tiny.items() for arg in ("--set", f"{key}={value}")]
    code = main(["train", "dcgan", "--steps", "5", "--run-dir", str(tmp_path), "--set", "tensorboard=false",
                 "--set", "g_lr=1e30", "--set", "d_lr=1e30", *flags])
    err = capsys.readouterr().err
    assert code == 3 and "Training diverged at step" in err and "Traceback" not in err


def train(tiny, run_dir, **overrides):
    settings = dict(tiny, steps=30, seed=0, log_every=10, **QUIET)
    return keras_gans.fit("dcgan", dataset="fashion_mnist", run_dir=run_dir, **dict(settings, **overrides))


def test_a_healthy_run_raises_no_warning(tiny, tmp_path):
    # The same 30 steps as the broken runs below, at the recipe's learning rates.
    assert train(tiny, tmp_path).warnings == []


def test_a_discriminator_that_wins_outright_is_flagged_with_remedies(tiny, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="keras_gans.health")
    broken = train(tiny, tmp_path / "broken", d_lr=1e-2, g_lr=1e-8)
    kinds = {kind for _, kind, _ in broken.warnings}
    assert kinds == {"discriminator_wins"}
    message = broken.warnings[0][2]
    assert "wins outright" in message and D_WINS_REMEDIES in message
    assert message in caplog.text
    scores = read_step_log(tmp_path / "broken" / "metrics.jsonl")[-1]
    assert scores["real_score"] > 0.95 and scores["fake_score"] < 0.05
    assert_in_event_file(tmp_path / "broken", "health/warnings", "wins outright")


def test_collapsed_samples_are_flagged_with_remedies(tiny, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="keras_gans.health")
    # A generator step 5000x the recipe's saturates tanh everywhere: every z gives the same image.
    # That is float32's trajectory; dcgan's precision auto (bfloat16 on an AVX512_BF16 CPU) takes
    # another one from the same seed, which stayed diverse for these 30 steps (0.95x the real images').
    broken = train(tiny, tmp_path / "broken", g_lr=1.0, precision="float32")
    collapse = [message for _, kind, message in broken.warnings if kind == "mode_collapse"]
    assert collapse and COLLAPSE_REMEDIES in collapse[0] and collapse[0] in caplog.text
    samples = broken.sample(16, seed=0)
    assert mean_pairwise_distance(samples) < 0.05 * mean_pairwise_distance(next(iter(broken.data.dataset))[0])
    assert_in_event_file(tmp_path / "broken", "health/warnings", "diversity collapsed")


def test_remedies_name_real_recipes_and_config_fields():
    fields = keras_gans.GANConfig.field_names()
    for recipe in ("r1", "wgan_gp", "sngan"):
        assert recipe in available_recipes() and recipe in D_WINS_REMEDIES and recipe in COLLAPSE_REMEDIES
    for field in ("label_smoothing", "instance_noise", "d_lr", "g_lr", "label_flip"):
        assert field in fields
        assert field in D_WINS_REMEDIES + COLLAPSE_REMEDIES


def test_mean_pairwise_distance_matches_a_direct_computation():
    x = np.random.default_rng(0).normal(size=(6, 3, 2, 1))
    flat = x.reshape(6, -1)
    direct = np.mean([np.linalg.norm(flat[i] - flat[j]) for i in range(6) for j in range(6) if i != j])
    assert mean_pairwise_distance(x) == pytest.approx(direct, rel=1e-9)


def assert_in_event_file(run_dir, tag, text):
    """The warning as TensorBoard stores it: a text summary in the run's `train/` events."""
    import tensorflow as tf

    found = []
    for path in (run_dir / "train").glob("events.out.tfevents.*"):
        for record in tf.data.TFRecordDataset(str(path)):
            event = tf.compat.v1.Event.FromString(record.numpy())
            found += [tf.make_ndarray(v.tensor).item().decode() for v in event.summary.value if v.tag == tag]
    assert any(text in message for message in found), found
