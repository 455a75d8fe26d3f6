"""Hinge objective: Lim & Ye 2017, "Geometric GAN"; as used by Miyato et al. 2018 (SNGAN)."""

from __future__ import annotations

from keras import ops

from keras_gans.objectives._common import as_logits


def hinge_generator_loss(real_logits, fake_logits):
    """`-E[D(G(z))]`: the generator side is not hinged (as in Miyato et al. 2018)."""
    return -ops.mean(as_logits(fake_logits))


def hinge_discriminator_loss(real_logits, fake_logits):
    """`E[relu(1 - D(x))] + E[relu(1 + D(G(z)))]`: samples beyond the margin stop contributing."""
    return ops.mean(ops.relu(1.0 - as_logits(real_logits))) + ops.mean(
        ops.relu(1.0 + as_logits(fake_logits))
    )
