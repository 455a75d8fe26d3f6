"""Checkpoints: exact resume, SIGKILL, a write that fails half-way, `load` and `keras-gans sample`."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans.callbacks import StopAtStep, read_step_log
from keras_gans.cli import main
from keras_gans.errors import ConfigError
from keras_gans.checkpoints.load import load, load_run
from keras_gans.checkpoints.store import CheckpointNotFound, CheckpointStore

QUIET = {"verbose": 0, "tensorboard": False, "sample_every": 0}
# Every source of randomness in a step: label flips and instance noise draw from the GAN's
# SeedGenerator, the EMA generator carries state, and epochs of 2 steps make the resumed run
# start mid-epoch.
STATEFUL = {"ema_decay": 0.9, "label_flip": 0.1, "instance_noise": 0.1, "steps_per_epoch": 2}


def run_cli(*args, cwd, preexec_fn=None, **popen):
    command = [sys.executable, "-m", "keras_gans.cli", *args]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if popen:
        return subprocess.Popen(command, cwd=cwd, env=env, **popen)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
                          preexec_fn=preexec_fn)


def tiny_flags(tiny):
    return [arg for key, value in tiny.items() for arg in ("--set", f"{key}={value}")]


def test_a_stopped_and_resumed_run_logs_the_same_losses(tiny, tmp_path):
    settings = dict(tiny, **QUIET, **STATEFUL, seed=3, checkpoint_every=2)
    straight = keras_gans.fit("dcgan", dataset="fashion_mnist", steps=6, run_dir=tmp_path / "straight", **settings)
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=6, run_dir=tmp_path / "resumed",
                   callbacks=[StopAtStep(3)], **settings)
    assert CheckpointStore(tmp_path / "resumed").latest().step == 3
    resumed = keras_gans.fit(resume=tmp_path / "resumed", verbose=0)

    assert [r["step"] for r in resumed.step_log] == [1, 2, 3, 4, 5, 6]
    assert resumed.step_log == straight.step_log  # every loss, score and gradient norm, bit for bit
    for a, b in zip(straight.model.variables, resumed.model.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # Only the latest checkpoint is kept when no FID is measured.
    assert [c.step for c in CheckpointStore(tmp_path / "resumed").all()] == [6]


def test_a_run_resumes_with_another_log_every(tiny, tmp_path):
    settings = dict(tiny, **QUIET, seed=2, checkpoint_every=2)
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=4, run_dir=tmp_path / "run", log_every=2, **settings)
    resumed = keras_gans.fit(resume=tmp_path / "run", steps=7, log_every=3, verbose=0)
    assert [r["step"] for r in resumed.step_log] == list(range(1, 8))
    assert resumed.model.recent_steps.shape[0] == 3 and resumed.config.log_every == 3


class _LogAtEachCheckpoint(keras.callbacks.Callback):
    """What a process killed right after each step would leave on disk: the checkpoint and the log."""

    def __init__(self, run_dir):
        super().__init__()
        self.run_dir, self.seen = run_dir, {}

    def on_train_batch_end(self, batch, logs=None):
        latest = CheckpointStore(self.run_dir).latest()
        if latest is not None:
            self.seen[latest.step] = [r["step"] for r in read_step_log(self.run_dir / "metrics.jsonl")]


def test_a_checkpoint_is_saved_only_after_the_log_lines_it_resumes_with(tiny, tmp_path):
    # The step log is copied off the device every log_every steps; a checkpoint between those
    # copies writes the log first, its own step included, or a kill loses the steps in between.
    run_dir = tmp_path / "run"
    watcher = _LogAtEachCheckpoint(run_dir)
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=8, run_dir=run_dir, callbacks=[watcher],
                   **dict(tiny, **QUIET, log_every=5, checkpoint_every=3))
    assert sorted(watcher.seen) == [3, 6]
    for step, logged in watcher.seen.items():
        assert logged[:step] == list(range(1, step + 1)), (step, logged)


def test_sigkill_loses_at_most_one_checkpoint_interval(tiny, tmp_path):
    run_dir, every = tmp_path / "run", 3
    train = ["train", "dcgan", "--dataset", "fashion_mnist", "--seed", "1", "--run-dir", str(run_dir),
             "--set", f"checkpoint_every={every}", "--set", "tensorboard=false", *tiny_flags(tiny)]
    process = run_cli(*train, "--steps", "5000", cwd=tmp_path, stdout=subprocess.DEVNULL,
                      stderr=open(tmp_path / "train.log", "w"), start_new_session=True)
    try:
        deadline = time.time() + 300
        while len(read_step_log(run_dir / "metrics.jsonl")) < 4 * every + 1:
            assert process.poll() is None and time.time() < deadline, (tmp_path / "train.log").read_text()[-3000:]
            time.sleep(0.05)
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    done = max(r["step"] for r in read_step_log(run_dir / "metrics.jsonl"))
    latest = CheckpointStore(run_dir).latest()
    assert done - latest.step <= every, (done, latest.step)

    finish = latest.step + 2
    resumed = run_cli("train", "--resume", str(run_dir), "--steps", str(finish), cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert [r["step"] for r in read_step_log(run_dir / "metrics.jsonl")] == list(range(1, finish + 1))
    assert [c.path.name for c in CheckpointStore(run_dir).all()] == [f"step_{finish:08d}"]
    assert not [p for p in (run_dir / "checkpoints").iterdir() if p.name.startswith(".")]


def test_a_write_that_fails_half_way_leaves_the_previous_checkpoint(tiny, tmp_path):
    run_dir = tmp_path / "run"
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=4, seed=0, run_dir=run_dir, checkpoint_every=2,
                   **QUIET, **tiny)
    state = run_dir / "checkpoints" / "step_00000004" / "state.npz"
    limit = state.stat().st_size // 2

    def cap_file_size():
        # The kernel refuses to grow any file past `limit` bytes: the next state.npz fails mid-write.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    failed = run_cli("train", "--resume", str(run_dir), "--steps", "6", cwd=tmp_path, preexec_fn=cap_file_size)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr, failed.stderr[-3000:]
    assert (f"Could not write the checkpoint of step 6 to {run_dir / 'checkpoints' / 'step_00000006'}: "
            "File too large.") in failed.stderr and "(`ulimit -f`)" in failed.stderr
    assert f"The last good checkpoint is {run_dir / 'checkpoints' / 'step_00000004'} (step 4)" in failed.stderr
    store = CheckpointStore(run_dir)
    assert [c.step for c in store.all()] == [4]
    assert not [p for p in store.directory.iterdir() if p.name.startswith(".")]
    run = load_run(run_dir)
    assert run.step == 4 and int(run.model.step.numpy()) == 4


def test_load_gives_the_trained_generator_and_the_cli_samples_a_grid(tiny, tmp_path, capsys):
    result = keras_gans.fit("dcgan", dataset="fashion_mnist", steps=3, seed=0, run_dir=tmp_path / "run",
                            ema_decay=0.5, **QUIET, **tiny)
    generator = load(tmp_path / "run")
    z = keras.random.normal((5, result.latent_dim), seed=1)
    np.testing.assert_array_equal(generator(z, training=False).numpy(), result.generator(z, training=False).numpy())
    run = load_run(tmp_path / "run")
    assert run.config == result.config and run.step == 3 and run.image_shape == (28, 28, 1)
    assert run.generator is run.model.ema_generator
    with pytest.raises(CheckpointNotFound, match="best"):
        load(tmp_path / "run", checkpoint="best")

    # The console script's own entry point, in-process (the subprocess tests above cover start-up).
    assert main(["sample", str(tmp_path / "run"), "-n", "9", "-o", str(tmp_path / "grid.png")]) == 0
    grid = tf.io.decode_png((tmp_path / "grid.png").read_bytes()).numpy()
    assert grid.shape == (3 * 29 + 1, 3 * 29 + 1, 1) and grid.std() > 0
    assert main(["sample", str(tmp_path / "nothing")]) == 2
    assert "config.yaml" in capsys.readouterr().err


def test_a_new_run_refuses_a_folder_with_checkpoints(tiny, tmp_path):
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=1, run_dir=tmp_path, **QUIET, **tiny)
    with pytest.raises(ConfigError, match="resume"):
        keras_gans.fit("dcgan", dataset="fashion_mnist", steps=1, run_dir=tmp_path, **QUIET, **tiny)


@pytest.mark.slow
def test_evaluate_scores_a_run_against_the_cached_test_statistics(tiny, tmp_path, capsys):
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=3, seed=0, run_dir=tmp_path / "run", **QUIET, **tiny)
    assert main(["evaluate", str(tmp_path / "run"), "--metrics", "fid,kid", "--num-samples", "200"]) == 0
    report = json.loads(capsys.readouterr().out)
    fid = report["fid"]
    # The FID network's weights are installed for the tests (make test), so this is the paper FID.
    assert report["step"] == 3 and fid["extractor"] == "inception_2015_ttur" and fid["num_samples"] == 200
    assert fid["name"] == "fid" and "resize_bilinear" in fid["protocol"]
    assert fid["reference_split"] == "test" and fid["reference_num_samples"] == 200
    assert fid["value"] > fid["floor"] > 0 and report["kid"]["kid"] > 0
