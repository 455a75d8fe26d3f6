"""R2 penalty: Mescheder et al. 2018, "Which Training Methods for GANs do actually Converge?"."""

from __future__ import annotations

from keras_gans.regularizers.r1 import R1Penalty


class R2Penalty(R1Penalty):
    """Zero-centred penalty `E_fake[||grad D(G(z))||^2]` on generated data; otherwise like R1.

    `weight` is `gamma / 2`, as for `R1Penalty`.

    Args:
        gamma: the paper's gamma.
        every: apply on every `every`-th discriminator step.

    Reference: https://arxiv.org/abs/1801.04406
    """

    name = "r2"

    def _penalized(self, real, fake):
        return fake
