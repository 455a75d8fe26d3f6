"""Each step's own loss values, for `metrics.jsonl` and `History`, copied off the device once per interval."""

from __future__ import annotations

import json
import math
import numbers
from pathlib import Path

import keras

from keras_gans.callbacks.steps import DEVICE_KEYS, StepCallback, crossed, means


class StepLog(StepCallback):
    """Appends every generator step's values to a JSON-lines file, `log_every` steps at a time.

    The train step keeps the last `model.log_every` steps' values on the device (`recent_steps`);
    this callback copies them to the host whenever that many steps have passed, at the end of each
    epoch (Keras syncs there anyway) and when training ends or fails (`close`), so every step is
    written once and a crash loses nothing that reached the host. Numbers other callbacks add to a
    step's `logs` (QualityMetrics' `fid`, `kid`) join that step's record. At each epoch's end the
    epoch logs become the means over that epoch's steps, without the device buffer, for `History`
    and the callbacks after this one.

    Place it first: it must see the buffer before another callback stops the run.

    Args:
        path: the JSON-lines file; one `{"step": k, "d_loss": ..., ...}` object per generator step.
        start_step: on resume, the checkpoint's step: lines after it (steps the crashed run made
            after its last checkpoint) are dropped, so every step appears once.
    """

    def __init__(self, path, start_step=None):
        super().__init__()
        self.path = Path(path)
        self.start_step = start_step
        self._file = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.start_step is not None:
            truncate_step_log(self.path, self.start_step)
        self._file = open(self.path, "a")
        self._read = self._epoch_first = self.step
        self._pending, self._extras, self._epoch_rows = {}, {}, []
        self._seen = (self.step, None)  # the last call's step and logs, for values added after it
        self._written = self.step

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self._epoch_rows = []

    def after_steps(self, previous, now, logs):
        self._collect_extras(*self._seen)
        self._seen = (now, logs)
        if crossed(previous, now, self._buffer_length()):
            self._read_rows()
            # The newest record waits: later callbacks may still add to this step's logs.
            self._write(through=now - 1)

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or self._file is None:
            return
        self._read_rows()
        for key in DEVICE_KEYS:
            logs.pop(key, None)
        logs.update(means(self._epoch_rows))

    def on_train_end(self, logs=None):
        self.close()

    def catch_up(self) -> None:
        """Reads the steps the model made after the last callback saw one, from its buffer.

        A Ctrl-C usually lands just after a train step returns and before Keras calls the
        callbacks for it; the checkpoint saved then holds that step, so the log must too.
        """
        model = self._model
        done = int(keras.ops.convert_to_numpy(model.step))
        if self._file is None or done <= self.step:
            return
        self._collect_extras(*self._seen)
        self.last_logs = {"recent_steps": model.recent_steps.value}
        self.step = done
        self._read_rows()

    def write_through(self, step: int) -> None:
        """Writes every record up to `step` now, the newest included.

        A checkpoint calls this before it saves: a run killed right after resumes from that
        checkpoint and keeps the log's lines up to its step, so they must be on disk first.
        """
        if self._file is None:
            return
        self._collect_extras(*self._seen)
        self._read_rows()
        self._write(through=step)

    def close(self):
        if self._file is None:
            return
        try:
            self._collect_extras(*self._seen)
            self._read_rows()
        finally:
            self._write()
            self._file.close()
            self._file = None

    def _buffer_length(self):
        return int(getattr(self._model, "log_every", 1))

    def _read_rows(self):
        rows = self.rows(self._read)
        self._read = max(self._read, self.step)
        self._epoch_rows += rows
        for step, values in rows:
            self._pending[step] = {"step": step, **{k: _number(v) for k, v in values.items()}}

    def _collect_extras(self, step, logs):
        # Values later callbacks put into a call's logs (the same dict) after this one ran.
        if not logs or step <= self._written:
            return
        extras = {k: _number(v) for k, v in logs.items()
                  if k not in DEVICE_KEYS and k not in self.logged_names and isinstance(v, numbers.Real) and not isinstance(v, bool)}
        if extras:
            self._extras.setdefault(step, {}).update(extras)

    def _write(self, through=None):
        for step in sorted(s for s in self._pending if through is None or s <= through):
            record = self._pending.pop(step)
            record.update(self._extras.pop(step, {}))
            self._file.write(json.dumps(record) + "\n")
            self._written = max(self._written, step)
        self._file.flush()


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


def _number(value):
    value = float(value)
    # JSON has no NaN/inf; strings keep the record valid and still say what happened.
    return value if math.isfinite(value) else str(value)
