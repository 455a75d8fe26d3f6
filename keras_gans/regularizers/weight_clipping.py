"""Weight clipping: Arjovsky et al. 2017, "Wasserstein GAN" (Algorithm 1)."""

from __future__ import annotations

import numbers

from keras import ops

from keras_gans.errors import ConfigError
from keras_gans.regularizers.base import Regularizer


class WeightClipping(Regularizer):
    """Clips each trainable discriminator variable to `[-clip_value, clip_value]` after updates.

    A crude way to keep the critic Lipschitz; it adds no loss term, so `weight` plays no part.

    Args:
        clip_value: c of the paper (0.01).

    Reference: https://arxiv.org/abs/1701.07875
    """

    name = "clip"

    def __init__(self, clip_value=0.01):
        if (
            isinstance(clip_value, bool)
            or not isinstance(clip_value, numbers.Real)
            or clip_value <= 0
        ):
            raise ConfigError(f"WeightClipping: clip_value must be > 0, got {clip_value!r}.")
        super().__init__(weight=1.0, every=1)
        self.clip_value = float(clip_value)

    def after_discriminator_update(self, discriminator):
        for variable in discriminator.trainable_variables:
            variable.assign(ops.clip(variable, -self.clip_value, self.clip_value))

    def get_config(self):
        return {"clip_value": self.clip_value}
