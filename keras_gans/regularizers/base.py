"""The interface every discriminator regularizer implements."""

from __future__ import annotations

import numbers

from keras import ops

from keras_gans.errors import ConfigError


class Regularizer:
    """A term the trainer adds to the discriminator's loss, or a step it runs after each update.

    The trainer adds `weight * discriminator_penalty(...)` to the discriminator loss. For a lazy
    regularizer (`every=k > 1`) it computes the penalty only on every k-th discriminator step and
    multiplies it by k, so its average strength does not change (Karras et al. 2020, StyleGAN2,
    "lazy regularization"). The scheduling lives in the trainer; a regularizer only declares it.

    Args:
        weight: non-negative multiplier of the penalty.
        every: apply the penalty on every `every`-th discriminator step (int >= 1).
    """

    name = "regularizer"  # key of the metric the trainer reports, e.g. "gp"

    def __init__(self, weight=1.0, every=1):
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or weight < 0:
            raise ConfigError(
                f"{type(self).__name__}: weight must be a number >= 0, got {weight!r}."
            )
        if isinstance(every, bool) or not isinstance(every, numbers.Integral) or every < 1:
            raise ConfigError(
                f"{type(self).__name__}: every must be an integer >= 1, got {every!r}."
            )
        self.weight = float(weight)
        self.every = int(every)

    def discriminator_penalty(self, discriminator_fn, real, fake, seed_generator):
        """Unweighted scalar penalty, or `None` when this regularizer adds no loss term.

        `discriminator_fn` maps images to logits of any shape `[batch, ...]`; `real` and `fake`
        are float tensors `[batch, ...]` of the same shape (images or 2-D toy data).
        """
        return None

    @property
    def adds_penalty(self) -> bool:
        """Whether this regularizer adds a loss term (and so a metric), or only acts after updates."""
        return type(self).discriminator_penalty is not Regularizer.discriminator_penalty

    def after_discriminator_update(self, discriminator):
        """Hook run after each discriminator optimizer step (e.g. to project weights)."""
        # An explicit body: AutoGraph cannot convert a function made of a docstring alone.
        return None

    def get_config(self):
        return {"weight": self.weight, "every": self.every}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def per_example_sum(x):
    """Sums every axis but the batch axis: `[batch, ...]` -> `[batch]`."""
    return ops.sum(x, axis=tuple(range(1, len(x.shape)))) if len(x.shape) > 1 else x
