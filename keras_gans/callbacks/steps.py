"""Counting steps on the host and reading the device's per-step values once per interval.

The train step returns, besides that step's scalars, `recent_steps`: a `[log_every, len(model.
logged_names)]` buffer on the device whose row `(s - 1) % log_every` holds step s's values. So a
callback never needs a device value between its log steps: it counts steps on the host (the
epoch's start plus the `end_step` Keras passes, which covers `steps_per_execution` > 1) and copies
the buffer to the host when it acts, getting every step since it last looked.
"""

from __future__ import annotations

import threading

import keras
import numpy as np
from keras.src import utils as keras_utils
from keras.src.utils.python_utils import pythonify_logs

from keras_gans.trainer.gan import DEVICE_LOGS as DEVICE_KEYS  # for callbacks, not for History


def crossed(previous: int, now: int, every: int) -> bool:
    """Whether a multiple of `every` lies in (previous, now] (0: never)."""
    return bool(every) and now // every > previous // every


_last_buffer = [None, None]  # (device tensor, its numpy copy): one copy per execution, shared


def buffer_to_numpy(tensor) -> np.ndarray:
    if _last_buffer[0] is not tensor:
        _last_buffer[:] = [tensor, np.asarray(keras.ops.convert_to_numpy(tensor), dtype=np.float64)]
    return _last_buffer[1]


class StepCallback(keras.callbacks.Callback):
    """A callback that acts on generator steps without a device sync per step.

    Subclasses implement `after_steps(previous, now, logs)`: steps `previous + 1 .. now` just ran
    (one or `steps_per_execution` of them), and `logs` holds the last one's device values. `rows`
    turns the device buffer into `{name: float}` per step; `self.step` is the host's count.

    `async_safe`: each call takes a lock and ignores a batch older than one already seen (Keras may
    dispatch batches to a thread pool), and nothing in it needs Python numbers in `logs`.
    """

    async_safe = True

    def __init__(self):
        super().__init__()
        self.step = 0
        self.last_logs = None
        self._epoch_start = 0
        self._lock = threading.Lock()

    def on_train_begin(self, logs=None):
        model = self.model
        self.step = self._epoch_start = int(keras.ops.convert_to_numpy(model.step))
        self.logged_names = list(getattr(model, "logged_names", ()))
        self.last_logs = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = self.step

    def on_train_batch_end(self, batch, logs=None):
        with self._lock:
            now = self._epoch_start + int(batch) + 1
            if now <= self.step:
                return
            previous, self.step, self.last_logs = self.step, now, logs if logs is not None else {}
            self.after_steps(previous, now, self.last_logs)

    def after_steps(self, previous: int, now: int, logs: dict) -> None:
        """Steps `previous + 1 .. now` ran; act on them."""

    def rows(self, since: int, until: int | None = None, logs=None) -> list[tuple[int, dict]]:
        """`(step, {name: value})` for steps `since + 1 .. until`, from the device buffer."""
        logs = self.last_logs if logs is None else logs
        until = self.step if until is None else until
        if until <= since or not logs:
            return []
        if "recent_steps" not in logs:
            raise TypeError(
                f"{type(self).__name__} reads each step's values from logs['recent_steps'], the buffer "
                "keras_gans.trainer.GAN's train step returns; this model's logs have none."
            )
        buffer = buffer_to_numpy(logs["recent_steps"])
        length = len(buffer)
        if until - since > length:
            raise RuntimeError(
                f"{type(self).__name__} looked at steps {since + 1}..{until}, but the device keeps only "
                f"the last {length} (model.log_every); read at least every {length} steps."
            )
        return [(s, dict(zip(self.logged_names, buffer[(s - 1) % length].tolist())))
                for s in range(since + 1, until + 1)]


def means(rows) -> dict:
    """Per-name means over `rows` from `StepCallback.rows`."""
    if not rows:
        return {}
    return {name: float(np.mean([values[name] for _, values in rows])) for name in rows[0][1]}


class RunCallbacks(keras.callbacks.CallbackList):
    """Keras's `CallbackList` without its per-step sync, for `keras_gans.fit`.

    Keras turns every step's logs into Python numbers (a device-to-host copy per step) unless every
    callback is `async_safe`, and then runs callbacks on a thread pool, out of order. Here batches
    are dispatched in order, on the training thread, and the run's own callbacks (`watchers`, which
    share one `logs` dict: QualityMetrics adds `fid` for CheckpointEvery and StepLog) get the device
    values as they are. Other callbacks that act per batch and are not `async_safe` get Python
    numbers, as Keras would give them, which costs that copy per step; `recent_steps` is left out.
    """

    def __init__(self, watchers, others=(), **params):
        self._watcher_ids = {id(callback) for callback in watchers}
        super().__init__([*watchers, *others], add_history=True, add_progbar=False, **params)

    def _configure_async_dispatch(self, callbacks):
        self._async_train = self._async_test = self._async_predict = False

    def on_train_batch_begin(self, batch, logs=None):
        for callback in self.callbacks:
            callback.on_train_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        logs = logs if logs is not None else {}
        python_logs = None
        for callback in self.callbacks:
            if id(callback) in self._watcher_ids or getattr(callback, "async_safe", False):
                callback.on_train_batch_end(batch, logs=logs)
            elif not keras_utils.is_default(callback.on_train_batch_end):
                if python_logs is None:
                    python_logs = pythonify_logs({k: v for k, v in logs.items() if k != "recent_steps"})
                callback.on_train_batch_end(batch, logs=python_logs)
