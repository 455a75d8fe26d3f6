"""LeCam regularizer: Tseng et al. 2021, "Regularizing Generative Adversarial Networks under
Limited Data"."""

from __future__ import annotations

import numbers

import keras
from keras import ops

from keras_gans.errors import ConfigError
from keras_gans.regularizers.base import Regularizer


class LeCamRegularizer(Regularizer):
    """`E[relu(D(x) - a_fake)^2] + E[relu(a_real - D(G(z)))^2]` with moving-average anchors.

    `a_real` and `a_fake` are exponential moving averages of D's mean output on reals and on
    fakes, updated with the current batch before the penalty is taken and bias-corrected, as in
    the authors' StyleGAN2 code (`assign_moving_average(..., decay=0.99, zero_debias=True)`).
    Pulling real scores down towards the fakes' history and fake scores up towards the reals'
    keeps D's outputs from drifting apart on a small training set, where D would otherwise
    memorize it (the paper bounds the objective by a LeCam divergence).

    The anchors are state (`variables`); the trainer tracks them, and they change only through
    `assign`, from stop-gradiented batch means.

    Args:
        weight: lambda (0.3 in the authors' BigGAN CIFAR-10 scripts, `--LC 0.3`).
        decay:  decay of the anchors' moving averages (0.99).

    Reference: https://arxiv.org/abs/2104.03310 (github.com/google/lecam-gan)
    """

    name = "lecam"

    def __init__(self, weight=0.3, decay=0.99):
        super().__init__(weight=weight, every=1)
        if isinstance(decay, bool) or not isinstance(decay, numbers.Real) or not 0 <= decay < 1:
            raise ConfigError(f"LeCamRegularizer: decay must lie in [0, 1); got {decay!r}.")
        self.decay = float(decay)
        # Biased averages (started at 0) and the update count that un-biases them.
        self.real_average = keras.Variable(0.0, dtype="float32", trainable=False, name="lecam_real_average")
        self.fake_average = keras.Variable(0.0, dtype="float32", trainable=False, name="lecam_fake_average")
        self.updates = keras.Variable(0.0, dtype="float32", trainable=False, name="lecam_updates")

    @property
    def variables(self):
        return [self.real_average, self.fake_average, self.updates]

    def anchors(self):
        """The bias-corrected moving averages (a_real, a_fake); zeros before the first update."""
        correction = ops.maximum(1.0 - ops.power(self.decay, self.updates.value), 1e-12)
        return self.real_average.value / correction, self.fake_average.value / correction

    def discriminator_penalty(self, inputs):
        real_logits = ops.cast(inputs.real_logits, "float32")
        fake_logits = ops.cast(inputs.fake_logits, "float32")
        for average, logits in ((self.real_average, real_logits), (self.fake_average, fake_logits)):
            batch_mean = ops.stop_gradient(ops.mean(logits))
            average.assign(self.decay * average.value + (1.0 - self.decay) * batch_mean)
        self.updates.assign(self.updates.value + 1.0)
        anchor_real, anchor_fake = self.anchors()
        return ops.mean(ops.square(ops.relu(real_logits - anchor_fake))) + ops.mean(
            ops.square(ops.relu(anchor_real - fake_logits))
        )

    def get_config(self):
        return {"weight": self.weight, "decay": self.decay}
