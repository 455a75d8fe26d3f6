"""Non-saturating GAN objective: the generator loss of Goodfellow et al. 2014, section 3."""

from __future__ import annotations

from keras import ops

from keras_gans.objectives._common import as_logits, sigmoid_cross_entropy


def non_saturating_generator_loss(real_logits, fake_logits):
    """Mean of `-log D(G(z)) = softplus(-x)`: strong gradients early, when D rejects the fakes."""
    return ops.mean(ops.softplus(-as_logits(fake_logits)))


def non_saturating_discriminator_loss(
    real_logits, fake_logits, real_targets=1.0, fake_targets=0.0
):
    """Same binary cross-entropy as the minimax discriminator; only the generator's loss differs."""
    real_logits, fake_logits = as_logits(real_logits), as_logits(fake_logits)
    return sigmoid_cross_entropy(real_logits, real_targets) + sigmoid_cross_entropy(
        fake_logits, fake_targets
    )
