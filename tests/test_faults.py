"""What a user sees when a run meets a fault: read-only folders, full disks, Ctrl-C, odd input.

Every fault is real: read-only and full file systems are tmpfs and bind mounts (the tests run as
root, which ignores mode bits, so `chmod` would prove nothing), Ctrl-C is SIGINT to a real
`keras-gans train` process. Each test asserts the message a user reads and that no run is lost.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import pytest
import yaml

import keras_gans
from keras_gans.callbacks import read_step_log
from keras_gans.checkpoints.load import load_run
from keras_gans.checkpoints.store import CheckpointStore
from keras_gans.cli import main
from keras_gans.errors import ConfigError, RunStorageError
from recipe_helpers import auto_precision_on_this_cpu

QUIET = {"verbose": 0, "tensorboard": False, "sample_every": 0}
# Subprocesses import this checkout's keras_gans, whatever an editable install points at.
SUBPROCESS_ENV = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(Path(keras_gans.__file__).parent.parent))


def flags(settings: dict) -> list:
    return [arg for key, value in settings.items() for arg in ("--set", f"{key}={value}")]


def mount(*args):
    done = subprocess.run(["mount", *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"a real read-only or full file system needs mount(8) as root: {done.stderr.strip()}")


@contextlib.contextmanager
def tmpfs(path: Path, *options):
    path.mkdir(parents=True, exist_ok=True)
    mount("-t", "tmpfs", "-o", ",".join(options or ("size=16m",)), "tmpfs", path)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


@contextlib.contextmanager
def read_only(path: Path):
    """Makes an existing folder read-only for everyone, root included: a read-only bind mount on itself."""
    mount("--bind", path, path)
    try:
        mount("-o", "remount,bind,ro", path, path)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


class AtStep(keras.callbacks.Callback):
    """Runs `action` once, after the generator step `step` (and after the run's own callbacks)."""

    def __init__(self, step, action):
        super().__init__()
        self.step, self.action = step, action

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.step.numpy()) == self.step:
            self.action()


# 1. Every GANConfig field through --set, also those with their own flag.
def test_every_config_field_works_through_set(tiny, tmp_path, capsys):
    run_dir = tmp_path / "run"
    code = main(["train", "dcgan", "--run-dir", str(run_dir), "--set", "steps=2", "--set", "seed=1",
                 "--set", "dataset=fashion_mnist", "--set", "sample_every=0", "--set", "tensorboard=false",
                 *flags(tiny)])
    out = capsys.readouterr()
    assert code == 0, out.err
    saved = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert (saved["steps"], saved["seed"], saved["dataset"]) == (2, 1, "fashion_mnist")
    assert CheckpointStore(run_dir).latest().step == 2
    devices = [line for line in out.out.splitlines() if line.startswith("devices: ")]
    assert len(devices) == 1 and devices[0].endswith(f"({keras.backend.backend()})"), out.out
    # dcgan's precision is auto: the line names the policy it chose on this device.
    precision = [line for line in out.out.splitlines() if line.startswith("precision: ")]
    assert precision == [f"precision: {auto_precision_on_this_cpu(keras.backend.backend())} (auto)"], out.out

    assert main(["train", "dcgan", "--steps", "3", "--set", "steps=4"]) == 2
    assert "steps is given twice, 3 and --set steps=4; give it once." in capsys.readouterr().err


# 2. The mixed-sizes error's hint, image_size=(height, width), is accepted.
def test_image_size_takes_the_pair_the_mixed_sizes_error_names(tiny, tmp_path, capsys):
    from PIL import Image

    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(8):
        size = (20, 24) if i % 2 else (30, 28)  # (width, height) for PIL
        Image.new("L", size, color=30 * i).save(folder / f"{i}.png")
    with pytest.raises(keras_gans.DataError, match=r"Pass image_size=\(height, width\)"):
        keras_gans.fit("dcgan", dataset=str(folder), steps=1, run_dir=tmp_path / "a", **QUIET, **tiny)
    result = keras_gans.fit("dcgan", dataset=str(folder), image_size=(28, 28), steps=1, run_dir=tmp_path / "b",
                            **QUIET, **tiny)
    assert result.data.image_shape == (28, 28, 1) and result.config.image_size == [28, 28]
    assert load_run(tmp_path / "b").config.image_size == [28, 28]  # and it survives config.yaml

    code = main(["train", "dcgan", "--dataset", str(folder), "--steps", "1", "--run-dir", str(tmp_path / "c"),
                 "--set", "image_size=[28,28]", *flags(dict(tiny, **{"tensorboard": False, "sample_every": 0}))])
    assert code == 0, capsys.readouterr().err
    assert load_run(tmp_path / "c").image_shape == (28, 28, 1)
    with pytest.raises(ConfigError, match=r"image_size must be one positive int .* or \[height, width\]"):
        keras_gans.fit("dcgan", image_size=[28, 0])


# 3. A read-only run_dir fails at once, before the data are loaded or the model built.
def test_a_read_only_run_dir_is_refused_before_anything_runs(tmp_path, capsys):
    with tmpfs(tmp_path / "ro", "size=1m", "ro") as folder:
        started = time.perf_counter()
        # The dataset does not exist: had it been loaded first, its error would come first.
        code = main(["train", "dcgan", "--dataset", str(tmp_path / "no-such-folder"),
                     "--run-dir", str(folder / "run")])
        elapsed = time.perf_counter() - started
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"Cannot write the run folder {folder / 'run'}: Read-only file system ({folder})" in err
    assert "--run-dir DIR" in err and "Traceback" not in err
    assert elapsed < 5, elapsed


# 4. The run folder turning unwritable mid-run names the file and the last good checkpoint.
def test_a_run_folder_turning_read_only_names_the_file_and_the_last_checkpoint(tiny, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    with contextlib.ExitStack() as stack:
        turn_read_only = AtStep(2, lambda: stack.enter_context(read_only(run_dir)))
        with pytest.raises(RunStorageError) as caught:
            keras_gans.fit("dcgan", dataset="fashion_mnist", steps=6, seed=0, run_dir=run_dir,
                           checkpoint_every=2, callbacks=[turn_read_only], **QUIET, **tiny)
    message = str(caught.value)
    assert caught.value.errno == errno.EROFS
    assert message.startswith(f"Could not write the checkpoint of step 4 to {run_dir / 'checkpoints'}: "
                              "Read-only file system.") and f"Make {run_dir} writable again" in message
    good = run_dir / "checkpoints" / "step_00000002"
    assert f"The last good checkpoint is {good} (step 2)" in message
    assert f"keras-gans train --resume {run_dir}" in message
    assert load_run(run_dir).step == 2


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory):
    """The size of one checkpoint of the tiny DCGAN below, measured on a real one."""
    from conftest import TINY

    run_dir = tmp_path_factory.mktemp("measure")
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=1, seed=0, run_dir=run_dir, **QUIET, **TINY)
    return (CheckpointStore(run_dir).latest().path / "state.npz").stat().st_size


# 5. A disk full at the first checkpoint.
def test_a_full_disk_at_the_first_checkpoint_says_what_a_checkpoint_needs(tiny, tmp_path, checkpoint_bytes):
    with tmpfs(tmp_path / "disk", f"size={checkpoint_bytes // 2}") as disk:
        with pytest.raises(RunStorageError) as caught:
            keras_gans.fit("dcgan", dataset="fashion_mnist", steps=2, seed=0, run_dir=disk / "run",
                           checkpoint_every=2, **QUIET, **tiny)
        assert not list((disk / "run" / "checkpoints").iterdir())  # no half-written checkpoint left
    message = str(caught.value)
    assert caught.value.errno == errno.ENOSPC
    assert message.startswith(f"Could not write the checkpoint of step 2 to "
                              f"{disk / 'run' / 'checkpoints' / 'step_00000002'}: No space left on device.")
    assert f"A checkpoint of this run needs about {checkpoint_bytes / 2**20:.1f} MB" in message
    assert "No checkpoint of this run was written yet" in message


# 6. A disk full at a later checkpoint: the earlier one stays whole and is named.
def test_a_full_disk_at_a_later_checkpoint_names_the_last_good_one(tiny, tmp_path, checkpoint_bytes, capsys):
    with tmpfs(tmp_path / "disk", f"size={checkpoint_bytes * 3 // 2}") as disk:
        run_dir = disk / "run"
        with pytest.raises(RunStorageError) as caught:
            keras_gans.fit("dcgan", dataset="fashion_mnist", steps=6, seed=0, run_dir=run_dir,
                           checkpoint_every=2, **QUIET, **tiny)
        message = str(caught.value)
        assert message.startswith(f"Could not write the checkpoint of step 4 to {run_dir / 'checkpoints' / 'step_00000004'}"
                                  ": No space left on device.")
        assert f"needs about {checkpoint_bytes / 2**20:.1f} MB" in message and "are free there" in message
        assert f"The last good checkpoint is {run_dir / 'checkpoints' / 'step_00000002'} (step 2)" in message
        assert [c.step for c in CheckpointStore(run_dir).all()] == [2]
        assert load_run(run_dir).step == 2

        # The same fault through the command line: one message, exit 1, no traceback.
        code = main(["train", "--resume", str(run_dir)])
        err = capsys.readouterr().err
        assert code == 1 and err.startswith("keras-gans train: error: Could not write the checkpoint of step 4")
        assert "Traceback" not in err


# 7. Resuming a run under another recipe's name is refused, not silently done.
def test_resume_under_another_recipe_is_refused(tiny, tmp_path, capsys):
    run_dir = tmp_path / "run"
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=1, run_dir=run_dir, **QUIET, **tiny)
    config_before = (run_dir / "config.yaml").read_bytes()
    assert main(["train", "wgan_gp", "--resume", str(run_dir)]) == 2
    err = capsys.readouterr().err
    assert f"{run_dir} is a dcgan run, so resuming it trains dcgan, not wgan_gp." in err
    with pytest.raises(ConfigError, match="not wgan_gp"):
        keras_gans.fit("wgan_gp", resume=run_dir)
    assert (run_dir / "config.yaml").read_bytes() == config_before
    assert CheckpointStore(run_dir).latest().step == 1


# 8. Resuming a finished run, or with --steps at or below the checkpoint: nothing to do, said so.
def test_resume_with_nothing_to_train_says_so_and_keeps_the_config(tiny, tmp_path, capsys):
    run_dir = tmp_path / "run"
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=3, run_dir=run_dir, **QUIET, **tiny)
    config_before = (run_dir / "config.yaml").read_bytes()
    log_before = (run_dir / "metrics.jsonl").read_bytes()
    for extra, asked in (([], 3), (["--steps", "2"], 2), (["--steps", "3"], 3)):
        assert main(["train", "--resume", str(run_dir), *extra]) == 2
        err = capsys.readouterr().err
        assert (f"Nothing to train: the latest checkpoint of {run_dir} is at step 3 and steps={asked}. "
                f"Ask for more generator steps in total, e.g. `keras-gans train --resume {run_dir} --steps "
                f"{3 + asked}`") in err
        assert "final metrics" not in err
    assert (run_dir / "config.yaml").read_bytes() == config_before
    assert (run_dir / "metrics.jsonl").read_bytes() == log_before


@contextlib.contextmanager
def sigint_catchable_in_children():
    """A terminal's Ctrl-C, whoever started pytest: a shell without job control starts background
    jobs with SIGINT ignored, an ignored signal stays ignored across exec, and Python then raises no
    KeyboardInterrupt. A handled signal is reset to the default on exec, so the child can catch it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# 13. Ctrl-C: exit 130, a checkpoint of the last finished step (on either backend: JAX's fit
# holds the state until an epoch ends), naming it and the command that resumes from it.
@pytest.mark.parametrize("backend_name", ["tensorflow", "jax"])
def test_ctrl_c_checkpoints_the_last_step_and_says_how_to_resume(backend_name, tiny, tmp_path):
    run_dir, every = tmp_path / "run", 1000
    command = [sys.executable, "-m", "keras_gans.cli", "train", "dcgan", "--dataset", "fashion_mnist",
               "--steps", "5000", "--run-dir", str(run_dir), "--seed", "1",
               *flags(dict(tiny, checkpoint_every=every, log_every=5, tensorboard="false", sample_every=0))]
    env = dict(SUBPROCESS_ENV, KERAS_BACKEND=backend_name)
    with sigint_catchable_in_children():
        process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True, env=env)
    try:
        deadline = time.time() + 300
        while len(read_step_log(run_dir / "metrics.jsonl")) < 7:  # mid-way between log intervals
            assert process.poll() is None and time.time() < deadline, process.communicate()[1][-3000:]
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    latest = CheckpointStore(run_dir).latest()
    logged = [r["step"] for r in read_step_log(run_dir / "metrics.jsonl")]
    assert 10 <= latest.step < every and logged == list(range(1, latest.step + 1)), (latest.step, logged)
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"keras-gans train: interrupted. Training was interrupted at step {latest.step}. "), line
    assert f"The last good checkpoint is {latest.path} (step {latest.step})" in line
    assert f"continue from it with `keras-gans train --resume {run_dir}`" in line
    finish = latest.step + 2
    resumed = subprocess.run([sys.executable, "-m", "keras_gans.cli", "train", "--resume", str(run_dir),
                              "--steps", str(finish)], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert [r["step"] for r in read_step_log(run_dir / "metrics.jsonl")] == list(range(1, finish + 1))


# Also: `keras-gans sample` draws what the run's sample grids draw.
@pytest.mark.parametrize("recipe, settings, rows", [
    ("cgan", {"generator_width": 8, "discriminator_width": 8}, 10),           # one row per class
    ("pix2pix", {"generator_width": 4, "discriminator_width": 4}, 3),         # source, translation, target
])
def test_sample_draws_the_grid_of_the_run(recipe, settings, rows, tmp_path, capsys):
    import numpy as np
    import tensorflow as tf

    run_dir = tmp_path / "run"
    keras_gans.fit(recipe, steps=1, seed=0, run_dir=run_dir, batch_size=8, jit_compile=False, **QUIET, **settings)
    assert main(["sample", str(run_dir), "-n", "20", "-o", str(tmp_path / "grid.png")]) == 0, capsys.readouterr().err
    run = load_run(run_dir)
    height = run.image_shape[0]
    grid = tf.io.decode_png((tmp_path / "grid.png").read_bytes()).numpy()
    assert grid.shape[0] == rows * (height + 1) + 1
    assert np.asarray(grid).std() > 0


# Also: no CUDA-driver lines on stderr, even with TF_CPP_MIN_LOG_LEVEL=3 (which never hid them).
@pytest.mark.parametrize("command, level", [
    (["-m", "keras_gans.cli", "--help"], "3"),
    (["-c", "import keras_gans, keras; print(keras.ops.convert_to_numpy(keras.ops.ones(2)).sum())"], "2"),
])
def test_commands_print_no_cuda_driver_lines(command, level, tmp_path):
    done = subprocess.run([sys.executable, *command], cwd=tmp_path, env=dict(SUBPROCESS_ENV, TF_CPP_MIN_LOG_LEVEL=level),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
