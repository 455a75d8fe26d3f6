"""Wasserstein objective: Arjovsky et al. 2017, "Wasserstein GAN"."""

from __future__ import annotations

from keras import ops

from keras_gans.objectives._common import as_logits


def wasserstein_generator_loss(real_logits, fake_logits):
    """`-E[D(G(z))]`: the generator raises the critic's score of its samples."""
    return -ops.mean(as_logits(fake_logits))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """`E[D(G(z))] - E[D(x)]`, the negated Kantorovich-Rubinstein estimate of W1.

    Only meaningful with a Lipschitz constraint (weight clipping, gradient penalty, spectral norm).
    """
    return ops.mean(as_logits(fake_logits)) - ops.mean(as_logits(real_logits))
