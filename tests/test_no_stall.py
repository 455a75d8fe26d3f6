"""No device-to-host copy per step: callbacks count steps on the host and read the train step's
buffer of recent steps once per `log_every` steps; `steps_per_execution` > 1 changes nothing else."""

from __future__ import annotations

import io

import numpy as np
import pytest

import keras_gans
from keras_gans import callbacks as cb
from keras_gans.checkpoints.store import CheckpointStore
from keras_gans.config import load_recipe
from keras_gans.errors import ConfigError
from keras_gans.fitting import build_gan

LOG_EVERY = 5


class DeviceValue:
    """Stands in for a tensor the device returned: records the step whenever it is copied out."""

    copies = []  # (host step, what) for every conversion to numpy or Python
    step = 0

    def __init__(self, value, what):
        self.value, self.what = np.asarray(value, np.float32), what

    def __array__(self, dtype=None, copy=None):
        DeviceValue.copies.append((DeviceValue.step, self.what))
        return self.value.astype(dtype) if dtype else self.value

    def __float__(self):
        DeviceValue.copies.append((DeviceValue.step, self.what))
        return float(self.value)


def contract_logs(model, buffer, step, values):
    """The logs the train step hands Keras for `step` (the issue-10 contract), as device values."""
    buffer[(step - 1) % model.log_every] = [values[name] for name in model.logged_names]
    logs = {name: DeviceValue(values[name], name) for name in model.logged_names}
    logs["step"] = DeviceValue(step, "step")
    logs["recent_steps"] = DeviceValue(buffer.copy(), "recent_steps")
    return logs


def step_values(model, step):
    return {name: step + i / 10 for i, name in enumerate(model.logged_names)}


@pytest.fixture
def model(tiny):
    config = load_recipe("dcgan", **dict(tiny, log_every=LOG_EVERY)).validate()
    return build_gan(config, (28, 28, 1))


def run_steps(model, watchers, steps, values=step_values, execution=1):
    """Drives `RunCallbacks` as Keras's fit loop does: one call per execution of `execution` steps."""
    callbacks = cb.RunCallbacks(watchers, model=model, verbose=0, epochs=1, steps=steps)
    DeviceValue.copies, DeviceValue.step = [], 0
    buffer = np.zeros((model.log_every, len(model.logged_names)), np.float32)
    callbacks.on_train_begin()
    callbacks.on_epoch_begin(0)
    for end in range(execution, steps + 1, execution):
        for step in range(end - execution + 1, end + 1):
            logs = contract_logs(model, buffer, step, values(model, step))
        DeviceValue.step = end
        callbacks.on_train_batch_end(end - 1, logs)
    # Keras itself turns the epoch's and the run's last logs into Python numbers, once each.
    DeviceValue.step = "end"
    callbacks.on_epoch_end(0, logs)
    callbacks.on_train_end(logs)
    DeviceValue.copies = [copy for copy in DeviceValue.copies if copy[0] != "end"]


def test_callbacks_copy_device_values_only_every_log_every_steps(model, tmp_path):
    store = CheckpointStore(tmp_path)
    summary = cb.RunSummary(tmp_path)
    progress = io.StringIO()
    watchers = [cb.StepLog(tmp_path / "metrics.jsonl"), cb.TrainingHealth(store, summary, every=LOG_EVERY),
                cb.CheckpointEvery(store, every=10), cb.TensorBoardLogger(summary, LOG_EVERY),
                cb.SampleGrid(tmp_path / "samples", num_samples=4, every=10), cb.StopAtStep(20),
                cb.ProgressLine(20, LOG_EVERY, stream=progress)]
    run_steps(model, watchers, steps=20)
    summary.close()

    # One copy of the buffer per log step, none of any per-step scalar, none between log steps.
    assert DeviceValue.copies == [(5, "recent_steps"), (10, "recent_steps"), (15, "recent_steps"),
                                  (20, "recent_steps")]
    records = cb.read_step_log(tmp_path / "metrics.jsonl")
    assert [r["step"] for r in records] == list(range(1, 21))
    for record in records:
        expected = step_values(model, record["step"])
        assert {k: pytest.approx(v) for k, v in expected.items()} == {k: record[k] for k in expected}
    assert [c.step for c in store.all()] == [20]  # 10 and 20 were saved; the store keeps the latest
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["final.png", "step_000010.png",
                                                                       "step_000020.png"]
    lines = progress.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["5/20", "10/20", "15/20", "20/20"]
    # Each line shows the mean over its interval: d_loss of steps 16..20 is 18.
    assert "d_loss 18 " in lines[-1]
    assert model.stop_training


def test_steps_per_execution_hands_every_step_to_the_callbacks(model, tmp_path):
    watchers = [cb.StepLog(tmp_path / "metrics.jsonl"), cb.SampleGrid(tmp_path / "samples", num_samples=4, every=3)]
    run_steps(model, watchers, steps=10, execution=5)
    assert [r["step"] for r in cb.read_step_log(tmp_path / "metrics.jsonl")] == list(range(1, 11))
    assert DeviceValue.copies == [(5, "recent_steps"), (10, "recent_steps")]
    # A grid is due at 3, 6 and 9: each is drawn at the end of the execution that passed it.
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["final.png", "step_000005.png",
                                                                       "step_000010.png"]


def test_divergence_inside_an_interval_names_its_step_and_keeps_the_checkpoint_before(model, tmp_path):
    store = CheckpointStore(tmp_path)

    def values(model, step):
        return {name: (np.nan if step >= 13 and name == "g_loss" else 0.5) for name in model.logged_names}

    watchers = [cb.StepLog(tmp_path / "metrics.jsonl"), cb.TrainingHealth(store, every=LOG_EVERY, also_at=(4,)),
                cb.CheckpointEvery(store, every=4)]
    with pytest.raises(cb.TrainingDiverged) as caught:
        run_steps(model, watchers, steps=20, values=values)
    watchers[0].close()  # as `fit` does when a callback raises
    error = caught.value
    assert error.step == 13 and error.values == {"g_loss": pytest.approx(np.nan, nan_ok=True)}
    assert error.checkpoint == tmp_path / "checkpoints" / "step_00000012"
    assert [c.step for c in store.all()] == [12]
    # Found at step 15, the first log step after it; the steps up to there are all in the log.
    assert DeviceValue.copies[-1] == (15, "recent_steps")
    records = cb.read_step_log(tmp_path / "metrics.jsonl")
    assert [r["step"] for r in records] == list(range(1, 16))
    assert records[11]["g_loss"] == 0.5 and records[12]["g_loss"] == "nan"


def test_fit_with_steps_per_execution_makes_the_same_steps(tiny, tmp_path):
    settings = dict(tiny, steps=8, seed=0, verbose=0, log_every=4, sample_every=3, checkpoint_every=4)
    one = keras_gans.fit("dcgan", dataset="fashion_mnist", run_dir=tmp_path / "one", **settings)
    two = keras_gans.fit("dcgan", dataset="fashion_mnist", run_dir=tmp_path / "two", steps_per_execution=2,
                         **settings)
    assert [r["step"] for r in two.step_log] == list(range(1, 9))
    for a, b in zip(one.step_log, two.step_log):
        assert a == pytest.approx(b, rel=1e-5)
    assert sorted(p.name for p in (tmp_path / "two" / "samples").iterdir()) == [
        "final.png", "step_000004.png", "step_000006.png"]
    assert two.history.history["d_loss"] == pytest.approx([np.mean([r["d_loss"] for r in two.step_log])])
    assert "recent_steps" not in two.history.history and "step" not in two.history.history


@pytest.mark.parametrize("overrides, message", [
    ({"steps_per_execution": 2, "log_every": 5}, "log_every=5 must be a multiple of steps_per_execution=2"),
    ({"steps_per_execution": 4, "steps": 10, "log_every": 4}, "steps=10 must be a multiple"),
    ({"steps_per_execution": 0}, "steps_per_execution must be a positive integer"),
])
def test_steps_per_execution_must_divide_the_intervals(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_recipe("dcgan", **overrides).validate()
