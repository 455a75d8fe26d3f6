"""CycleGAN's cycle-consistency term: Zhu et al. 2017, "Unpaired Image-to-Image Translation using
Cycle-Consistent Adversarial Networks" (eq. 2)."""

from __future__ import annotations

from keras_gans.trainer.terms.base import AuxiliaryTerm, mean_absolute_error


class CycleConsistency(AuxiliaryTerm):
    """`E|F(G(a)) - a|_1 + E|G(F(b)) - b|_1`: translating there and back must return the input.

    Without it, unpaired training can map every input to any realistic image of the other domain;
    the cycle ties each output to its input. Needs `CycleGenerators` (G = `a_to_b`, F = `b_to_a`).

    Reference: https://arxiv.org/abs/1703.10593
    """

    name = "cycle"

    def generator_loss(self, step):
        (a, b), (fake_a, fake_b) = step.context, step.fake
        generators = step.generator
        return (mean_absolute_error(generators.b_to_a(fake_b, training=True), a)
                + mean_absolute_error(generators.a_to_b(fake_a, training=True), b))

