"""Minimax (saturating) GAN objective: Goodfellow et al. 2014, "Generative Adversarial Nets"."""

from __future__ import annotations

from keras import ops

from keras_gans.objectives._common import as_logits, sigmoid_cross_entropy


def minimax_generator_loss(real_logits, fake_logits):
    """Mean of `log(1 - D(G(z)))`, which the generator minimizes (the paper's original game).

    `log(1 - sigmoid(x)) = -softplus(x)`. Its gradient vanishes when D confidently rejects the
    fakes, which is why the non-saturating loss is usually preferred; it is kept for fidelity.
    """
    return -ops.mean(ops.softplus(as_logits(fake_logits)))


def minimax_discriminator_loss(real_logits, fake_logits, real_targets=1.0, fake_targets=0.0):
    """Binary cross-entropy of real logits against `real_targets` plus fakes against `fake_targets`.

    Targets are scalars or per-example `[batch]` tensors (label smoothing, label flipping).
    """
    real_logits, fake_logits = as_logits(real_logits), as_logits(fake_logits)
    return sigmoid_cross_entropy(real_logits, real_targets) + sigmoid_cross_entropy(
        fake_logits, fake_targets
    )
