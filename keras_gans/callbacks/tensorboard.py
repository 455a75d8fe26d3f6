"""Training curves for TensorBoard under hierarchical tags, plus the recipe as hparams."""

from __future__ import annotations

import math

import keras

from keras_gans.callbacks.steps import StepCallback, crossed, means
from keras_gans.callbacks.summary import RunSummary

# Tracker name -> TensorBoard tag; any other tracker (a regularizer's term) goes to `loss/<name>`.
TAGS = {
    "d_loss": "loss/d",
    "g_loss": "loss/g",
    "real_score": "scores/real",
    "fake_score": "scores/fake",
    "d_grad_norm": "grad_norm/d",
    "g_grad_norm": "grad_norm/g",
    "augment_p": "augment/p",      # ADA's augmentation probability
    "augment_rt": "augment/rt",    # ADA's overfitting heuristic E[sign(D(real))]
}
# What the HParams tab tabulates beside each run's hyperparameters.
HPARAM_METRICS = ("loss/d", "loss/g", "quality/fid", "quality/kid")


class TensorBoardLogger(StepCallback):
    """Every `log_every` steps, the mean of each loss term, score and gradient norm over those steps,
    and both learning rates; at the start, `hparams` for the HParams tab.

    Reads every step's values from the train step's on-device buffer at each write (see
    `StepCallback`): averaging them over the interval gives a curve that neither hides single
    steps' trends (as sampling every k-th step would) nor drifts with epoch boundaries (as Keras's
    running means do).

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

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        if self.hparams:
            self.summary.hparams(self.hparams, HPARAM_METRICS, trial_id=self.trial_id)
        self._written = self.step

    def after_steps(self, previous, now, logs):
        if crossed(previous, now, self.log_every):
            self.write(now)

    def on_train_end(self, logs=None):
        if self.step > self._written:
            self.write(self.step)
        self.summary.flush()

    def write(self, step):
        rows, self._written = self.rows(self._written, step), step
        for name, mean in means(rows).items():
            self.summary.scalar(TAGS.get(name, f"loss/{name}"), mean, step)
        for tag, optimizer in (("lr/g", self.model.g_optimizer), ("lr/d", self.model.d_optimizer)):
            self.summary.scalar(tag, float(keras.ops.convert_to_numpy(optimizer.learning_rate)), step)


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
