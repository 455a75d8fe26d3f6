"""pix2pix's L1 term: Isola et al. 2017, "Image-to-Image Translation with Conditional Adversarial
Networks", eq. 3."""

from __future__ import annotations

from keras_gans.trainer.terms.base import AuxiliaryTerm, mean_absolute_error


class Reconstruction(AuxiliaryTerm):
    """`E|y - G(x)|_1`: the generated image should be near the paired target, not only realistic.

    L1 rather than L2 because it blurs less (section 3.1); the adversarial term then only needs
    to supply high-frequency detail, which is why a PatchGAN suffices. The paper's lambda is 100.

    Reference: https://arxiv.org/abs/1611.07004
    """

    name = "l1"

    def generator_loss(self, step):
        return mean_absolute_error(step.fake, step.real)
