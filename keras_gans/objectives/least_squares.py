"""Least-squares objective: Mao et al. 2017, "Least Squares Generative Adversarial Networks"."""

from __future__ import annotations

from keras import ops

from keras_gans.objectives._common import as_logits, broadcast_targets

# The paper's a-b-c coding 0-1-1: fakes coded a=0, reals b=1, and the generator aims for c=1.
_GENERATOR_TARGET = 1.0


def least_squares_generator_loss(real_logits, fake_logits):
    """`1/2 E[(D(G(z)) - c)^2]` with c = 1."""
    return 0.5 * ops.mean(ops.square(as_logits(fake_logits) - _GENERATOR_TARGET))


def least_squares_discriminator_loss(
    real_logits, fake_logits, real_targets=1.0, fake_targets=0.0
):
    """`1/2 E[(D(x) - b)^2] + 1/2 E[(D(G(z)) - a)^2]` with b = `real_targets`, a = `fake_targets`.

    The discriminator output is used raw (no sigmoid), as in the paper.
    """
    real_logits, fake_logits = as_logits(real_logits), as_logits(fake_logits)
    real_term = ops.mean(ops.square(real_logits - broadcast_targets(real_targets, real_logits)))
    fake_term = ops.mean(ops.square(fake_logits - broadcast_targets(fake_targets, fake_logits)))
    return 0.5 * real_term + 0.5 * fake_term
