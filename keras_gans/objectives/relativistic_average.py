"""Relativistic average GAN (RaSGAN): Jolicoeur-Martineau 2019, "The relativistic discriminator: a
key element missing from standard GAN", with the standard GAN's sigmoid cross-entropy."""

from __future__ import annotations

from keras import ops

from keras_gans.objectives._common import as_logits, sigmoid_cross_entropy


def _relative_to_average(real_logits, fake_logits):
    """(`D(x) - E[D(G(z))]`, `D(G(z)) - E[D(x)]`), the averages over the batch axis.

    Patch outputs keep their positions: each location is compared with the same location's
    batch average.
    """
    real_logits, fake_logits = as_logits(real_logits), as_logits(fake_logits)
    real_mean = ops.mean(real_logits, axis=0, keepdims=True)
    fake_mean = ops.mean(fake_logits, axis=0, keepdims=True)
    return real_logits - fake_mean, fake_logits - real_mean


def relativistic_average_generator_loss(real_logits, fake_logits):
    """`-E[log sigmoid(D(G(z)) - E D(x))] - E[log(1 - sigmoid(D(x) - E D(G(z))))]`.

    The mirror image of the discriminator's loss: unlike the standard GAN's, the generator also
    learns from the reals, by making them look less real than the average fake.
    """
    real_relative, fake_relative = _relative_to_average(real_logits, fake_logits)
    return sigmoid_cross_entropy(fake_relative, 1.0) + sigmoid_cross_entropy(real_relative, 0.0)


def relativistic_average_discriminator_loss(real_logits, fake_logits):
    """`-E[log sigmoid(D(x) - E D(G(z)))] - E[log(1 - sigmoid(D(G(z)) - E D(x)))]`: the probability
    that a real is more realistic than the average fake, and the reverse for fakes."""
    real_relative, fake_relative = _relative_to_average(real_logits, fake_logits)
    return sigmoid_cross_entropy(real_relative, 1.0) + sigmoid_cross_entropy(fake_relative, 0.0)
