"""CycleGAN's identity term: Zhu et al. 2017, section 5.2 (after Taigman et al. 2017)."""

from __future__ import annotations

from keras_gans.trainer.terms.base import AuxiliaryTerm, mean_absolute_error


class IdentityMapping(AuxiliaryTerm):
    """`E|G(b) - b|_1 + E|F(a) - a|_1`: an image already in the target domain should pass unchanged.

    The paper adds it (weight 0.5 lambda) to keep the colour composition of paintings <-> photos.
    Needs both domains to have the same number of channels.
    """

    name = "identity"

    def generator_loss(self, step):
        a, b = step.context
        generators = step.generator
        return (mean_absolute_error(generators.a_to_b(b, training=True), b)
                + mean_absolute_error(generators.b_to_a(a, training=True), a))
