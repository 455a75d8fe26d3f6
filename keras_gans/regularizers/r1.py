"""R1 penalty: Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?"."""

from __future__ import annotations

import numbers

from keras import ops

from keras_gans.errors import ConfigError
from keras_gans.regularizers.base import Regularizer, per_example_sum


class R1Penalty(Regularizer):
    """Zero-centred penalty `E_real[||grad D(x)||^2]` on real data.

    The paper writes the regularizer as `gamma/2 * E[||grad D(x)||^2]`; this class takes `gamma`
    as the paper and StyleGAN2 configs state it, and its `weight` (what the trainer multiplies the
    penalty by) is `gamma / 2`. There is no separate `weight` argument.

    Args:
        gamma: the paper's gamma (10 in most of its experiments).
        every: apply on every `every`-th discriminator step; StyleGAN2 uses 16.

    Reference: https://arxiv.org/abs/1801.04406
    """

    name = "r1"

    def __init__(self, gamma=10.0, every=1):
        super().__init__(weight=_half(gamma, type(self).__name__), every=every)
        self.gamma = float(gamma)

    def _penalized(self, real, fake):
        return real

    def discriminator_penalty(self, inputs):
        images = ops.cast(self._penalized(inputs.real, inputs.fake), "float32")
        gradients = inputs.gradients_at(images)
        return ops.mean(per_example_sum(ops.square(gradients)))

    def get_config(self):
        return {"gamma": self.gamma, "every": self.every}


def _half(gamma, owner):
    # Validated here so that the error names gamma, not the derived weight.
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or gamma < 0:
        raise ConfigError(f"{owner}: gamma must be a number >= 0, got {gamma!r}.")
    return gamma / 2.0
