"""Training curves for TensorBoard under hierarchical tags, plus the recipe as hparams."""

from __future__ import annotations

import math

import keras

from keras_gans.callbacks.summary import RunSummary

# Tracker name -> TensorBoard tag; any other tracker (a regularizer's term) goes to `loss/<name>`.
TAGS = {
    "d_loss": "loss/d",
    "g_loss": "loss/g",
    "real_score": "scores/real",
    "fake_score": "scores/fake",
    "d_grad_norm": "grad_norm/d",
    "g_grad_norm": "grad_norm/g",
}
# What the HParams tab tabulates beside each run's hyperparameters.
HPARAM_METRICS = ("loss/d", "loss/g", "quality/fid", "quality/kid")


class TensorBoardLogger(keras.callbacks.Callback):
    """Every `log_every` steps, the mean of each loss term, score and gradient norm over those steps,
    and both learning rates; at the start, `hparams` for the HParams tab.

    Needs per-step values in `logs` (see `StepLog`): averaging them over the interval gives a curve
    that neither hides single steps' trends (as sampling every k-th step would) nor drifts with
    epoch boundaries (as Keras's running means do).

    Args:
        summary: the run's `RunSummary`.
        log_every: steps between writes.
        hparams: flat {name: bool | int | float | str}, e.g. `flat_hparams(config.to_dict())`.
        trial_id: the run's name in the HParams tab.
    """

    def __init__(self, summary: RunSummary, log_every=50, hparams=None, trial_id=None):
        super().__init__()
        self.summary = summary
        self.log_every = int(log_every)
        self.hparams = hparams
        self.trial_id = trial_id
        self._sums, self._count = {}, 0

    def on_train_begin(self, logs=None):
        if self.hparams:
            self.summary.hparams(self.hparams, HPARAM_METRICS, trial_id=self.trial_id)
        self._sums, self._count = {}, 0

    def on_train_batch_end(self, batch, logs=None):
        names = [m.name for m in self.model.metrics]
        for name in names:
            if name in (logs or {}):
                self._sums[name] = self._sums.get(name, 0.0) + float(logs[name])
        self._count += 1
        step = int(self.model.step.numpy())
        if self.log_every and step % self.log_every == 0:
            self.write(step)

    def on_train_end(self, logs=None):
        if self._count:
            self.write(int(self.model.step.numpy()))
        self.summary.flush()

    def write(self, step):
        for name, total in self._sums.items():
            self.summary.scalar(TAGS.get(name, f"loss/{name}"), total / self._count, step)
        for tag, optimizer in (("lr/g", self.model.g_optimizer), ("lr/d", self.model.d_optimizer)):
            self.summary.scalar(tag, float(keras.ops.convert_to_numpy(optimizer.learning_rate)), step)
        self._sums, self._count = {}, 0


def flat_hparams(values: dict, prefix="") -> dict:
    """A config dict as HParams values: nested keys dotted, lists as text, None left out."""
    flat = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flat_hparams(value, prefix=f"{name}."))
        elif isinstance(value, (list, tuple)):
            flat[name] = ",".join(str(v) for v in value)
        elif isinstance(value, float) and not math.isfinite(value):
            flat[name] = str(value)
        elif value is not None:
            flat[name] = value
    return flat
