"""Relativistic pairing GAN (RpGAN): Jolicoeur-Martineau 2019, "The relativistic discriminator: a
key element missing from standard GAN"; the loss of R3GAN (Huang et al. 2024)."""

from __future__ import annotations

from keras import ops

from keras_gans.objectives._common import as_logits


def _paired_differences(real_logits, fake_logits):
    real_logits, fake_logits = as_logits(real_logits), as_logits(fake_logits)
    if tuple(real_logits.shape) != tuple(fake_logits.shape):
        raise ValueError(
            "rpgan pairs each real with one fake, so D's outputs on both need the same shape; got "
            f"{tuple(real_logits.shape)} and {tuple(fake_logits.shape)}."
        )
    return real_logits - fake_logits


def rpgan_generator_loss(real_logits, fake_logits):
    """`E[softplus(D(x) - D(G(z)))]`: each fake is pushed to score above its paired real."""
    return ops.mean(ops.softplus(_paired_differences(real_logits, fake_logits)))


def rpgan_discriminator_loss(real_logits, fake_logits):
    """`E[softplus(D(G(z)) - D(x))]`, i.e. `-log sigmoid(D(x) - D(G(z)))` per (real, fake) pair.

    Only the difference of the two scores matters, so D cannot separate the two sets with one
    threshold and G has gradients to follow around every real sample, which is what removes
    mode dropping in the paper's analysis; with R1 and R2 it converges locally (R3GAN, thm. 2).
    """
    return ops.mean(ops.softplus(-_paired_differences(real_logits, fake_logits)))
