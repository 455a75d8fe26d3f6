"""Each step's own loss values (not Keras's running means), for the callbacks and `metrics.jsonl`."""

from __future__ import annotations

import json
import math
from pathlib import Path

import keras


class StepLog(keras.callbacks.Callback):
    """Makes every step's `logs` hold that step's values and appends them to a JSON-lines file.

    Keras's metric trackers are running means since the start of the epoch, so their values depend
    on where epochs begin (a resumed run starts a new epoch part-way) and hide single bad steps.
    This callback empties the trackers before each step, so the `logs` the following callbacks see
    are the step's own values, and adds the previous totals back afterwards, so progress bars,
    `History` and callbacks that come after this one still get the usual epoch means.

    Place it after the callbacks that want per-step values and before those that want means;
    `keras_gans.fit` does. Values the earlier callbacks add to `logs` (FID, KID) are logged too.

    Args:
        path: the JSON-lines file; one `{"step": k, "d_loss": ..., ...}` object per generator step.
        start_step: on resume, the checkpoint's step: lines after it (steps the crashed run made
            after its last checkpoint) are dropped, so every step appears once.
    """

    def __init__(self, path, start_step=None):
        super().__init__()
        self.path = Path(path)
        self.start_step = start_step
        self._saved = {}
        self._file = None

    def on_train_begin(self, logs=None):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.start_step is not None:
            truncate_step_log(self.path, self.start_step)
        self._file = open(self.path, "a")

    def on_train_batch_begin(self, batch, logs=None):
        self._saved = {}
        for metric in self.model.metrics:
            if _is_mean(metric):
                self._saved[metric] = (metric.total.numpy(), metric.count.numpy())
                metric.reset_state()

    def on_train_batch_end(self, batch, logs=None):
        logs = logs if logs is not None else {}
        record = {"step": int(self.model.step.numpy())}
        record.update({k: _number(v) for k, v in logs.items() if _is_number(v)})
        self._file.write(json.dumps(record) + "\n")
        # A line per step keeps at most the current step unwritten when the process is killed.
        self._file.flush()
        for metric, (total, count) in self._saved.items():
            metric.total.assign(total + metric.total.numpy())
            metric.count.assign(count + metric.count.numpy())
            logs[metric.name] = float(metric.result())
        self._saved = {}

    def on_train_end(self, logs=None):
        self.close()

    def close(self):
        if self._file is not None:
            self._file.close()
            self._file = None


def read_step_log(path) -> list:
    """The records of a `metrics.jsonl` file, in order."""
    path = Path(path)
    if not path.is_file():
        return []
    with open(path) as f:
        # A process killed mid-write can leave a partial last line; it is not a record.
        return [json.loads(line) for line in f if line.endswith("\n") and line.strip()]


def truncate_step_log(path, step: int) -> None:
    """Keeps only the records up to `step` (rewritten atomically)."""
    path = Path(path)
    if not path.is_file():
        return
    kept = [r for r in read_step_log(path) if r["step"] <= step]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r) + "\n" for r in kept))
    tmp.replace(path)


def _is_mean(metric):
    return isinstance(metric, keras.metrics.Mean) and hasattr(metric, "total") and hasattr(metric, "count")


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _number(value):
    value = float(value)
    # JSON has no NaN/inf; strings keep the record valid and still say what happened.
    return value if math.isfinite(value) else str(value)
