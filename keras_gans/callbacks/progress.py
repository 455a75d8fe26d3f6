"""One line of progress every `every` steps, in place of Keras's per-step progress bar."""

from __future__ import annotations

import sys
import time

from keras_gans.callbacks.steps import StepCallback, crossed, means

SHOWN = ("d_loss", "g_loss", "real_score", "fake_score")


class ProgressLine(StepCallback):
    """Prints `step 150/2000  d_loss 0.693  g_loss 0.712 ...  41.2 steps/s` every `every` steps.

    Keras's progress bar reads every step's values (a device-to-host copy per step); this reads the
    train step's buffer once per line, and shows the means since the previous line.

    Args:
        total: the run's last step (the `steps` of the config).
        every: steps between lines (the model's `log_every` or a multiple of it at most that).
        stream: where the lines go.
    """

    def __init__(self, total, every=50, stream=None):
        super().__init__()
        self.total = int(total)
        self.every = int(every)
        self.stream = stream

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._shown, self._clock = self.step, time.perf_counter()

    def after_steps(self, previous, now, logs):
        if crossed(previous, now, self.every):
            self.show(now)

    def on_train_end(self, logs=None):
        if self.step > self._shown:
            self.show(self.step)

    def show(self, step):
        rows = self.rows(self._shown, step)
        clock = time.perf_counter()
        rate = (step - self._shown) / max(clock - self._clock, 1e-9)
        values = means(rows)
        names = [n for n in SHOWN if n in values] + [n for n in values if n not in SHOWN and "grad_norm" not in n]
        shown = "  ".join(f"{name} {values[name]:.4g}" for name in names)
        stream = self.stream or sys.stdout
        print(f"step {step}/{self.total}  {shown}  {rate:.1f} steps/s", file=stream, flush=True)
        self._shown, self._clock = step, clock
