"""The interface every discriminator regularizer implements."""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable
from typing import Any

from keras import ops

from keras_gans.backend import input_gradients
from keras_gans.configurable import Configurable
from keras_gans.errors import ConfigError


@dataclasses.dataclass
class PenaltyInputs:
    """What a penalty sees of one discriminator step.

    Attributes:
        discriminator_fn: images -> logits of any shape `[batch, ...]`.
        real, fake:       the images the discriminator saw this step (augmented, with instance
                          noise), float tensors `[batch, ...]` of one shape.
        real_logits, fake_logits: its outputs on them.
        seed_generator:   for the penalty's own random draws.
        gradient_scale:   the discriminator's loss scale under mixed_float16 (1 otherwise).
    """

    discriminator_fn: Callable
    real: Any
    fake: Any
    real_logits: Any = None
    fake_logits: Any = None
    seed_generator: Any = None
    gradient_scale: Any = 1.0

    def gradients_at(self, images):
        """`d sum(D(images)) / d images` in float32, differentiable again.

        Under mixed_float16 the backward pass runs in float16, where input gradients of a few
        1e-8 flush to zero; scaling the output by the loss scale before differentiating and
        dividing afterwards keeps them, as the loss scale does for the weight gradients.
        """
        scale = self.gradient_scale

        def scaled(x):
            return ops.cast(self.discriminator_fn(x), "float32") * scale

        return ops.cast(input_gradients(scaled, images), "float32") / scale


class Regularizer(Configurable):
    """A term the trainer adds to the discriminator's loss, or a step it runs after each update.

    The trainer adds `weight * discriminator_penalty(...)` to the discriminator loss. For a lazy
    regularizer (`every=k > 1`) it computes the penalty only on every k-th discriminator step and
    multiplies it by k, so its average strength does not change (Karras et al. 2020, StyleGAN2,
    "lazy regularization"). The scheduling lives in the trainer; a regularizer only declares it.
    The skipped steps are nearly free on JAX and on TensorFlow without XLA (its default on a CPU);
    under XLA on a CPU, TensorFlow runs convolutions inside a conditional far slower, so there a
    lazy penalty costs more than one applied every step (timings in the README, "Watch, resume,
    score").

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

    def discriminator_penalty(self, inputs: PenaltyInputs):
        """Unweighted scalar penalty, or `None` when this regularizer adds no loss term.

        A mean over the batch: the trainer makes it a mean over the global batch under
        data parallelism. A regularizer with state (`variables`) may `assign` it here; a lazy
        one (`every > 1`) must not, since its penalty runs inside a conditional.
        """
        return None

    @property
    def variables(self) -> list:
        """`keras.Variable`s this regularizer keeps (e.g. EMA anchors); the trainer tracks them."""
        return []

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


def per_example_sum(x):
    """Sums every axis but the batch axis: `[batch, ...]` -> `[batch]`."""
    return ops.sum(x, axis=tuple(range(1, len(x.shape)))) if len(x.shape) > 1 else x
