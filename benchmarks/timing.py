"""What the benchmarks share: a timed window of training steps, medians, one process per backend.

Keras fixes its backend when it is first imported, so a comparison across backends runs each in
its own process; the driver side of these helpers imports no Keras at all.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time


def synchronize(values):
    """Waits for `values` (tensors, arrays, a dict of them) by copying them to the host: JAX and
    TensorFlow may still be computing when a step call returns."""
    import keras
    import numpy as np

    return keras.tree.map_structure(lambda v: np.asarray(keras.ops.convert_to_numpy(v)), values)


class StepWindow:
    """Times the `steps` steps that follow `warmup` ones (tracing, compilation, caches).

    Call `tick(outputs)` after every step with what the step returned; `seconds` is then the
    wall time of the window, both ends synchronized on the device by `sync(outputs)`.
    """

    def __init__(self, warmup: int, steps: int, sync=synchronize):
        self.warmup, self.steps, self.sync = max(1, warmup), steps, sync
        self.count, self.started, self.seconds = 0, None, None

    def tick(self, outputs) -> None:
        self.count += 1
        if self.count == self.warmup:
            self.sync(outputs)
            self.started = time.perf_counter()
        elif self.count == self.warmup + self.steps:
            self.sync(outputs)
            self.seconds = time.perf_counter() - self.started

    @property
    def done(self) -> bool:
        return self.seconds is not None

    def per_second(self, items_per_step: int) -> float:
        if self.seconds is None:
            raise RuntimeError(f"the window ended early: {self.count} of {self.warmup + self.steps} steps ran")
        return self.steps * items_per_step / self.seconds


def step_window_callback(window: StepWindow):
    """A Keras callback feeding `window` from `fit`'s batch ends: it times fit as a user runs it,
    pipeline and every other callback included."""
    import keras

    class StepWindowCallback(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            window.tick(logs or {})

    return StepWindowCallback()


def median(values) -> float:
    return statistics.median(values)


def run_child(script: str, args: list, env: dict | None = None) -> dict:
    """Runs `python script *args` and returns the JSON object its last output line holds; the
    child's stderr (its progress) goes straight to ours."""
    completed = subprocess.run([sys.executable, script, *args], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, **(env or {})})
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        raise RuntimeError(f"{os.path.basename(script)} {' '.join(args)} failed (exit {completed.returncode}); "
                           "its error is printed above.")
    return json.loads(lines[-1])
