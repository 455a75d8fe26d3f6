"""AC-GAN's class loss: Odena, Olah & Shlens 2017, "Conditional Image Synthesis with Auxiliary
Classifier GANs"."""

from __future__ import annotations

from keras_gans.trainer.terms.base import AuxiliaryTerm, class_cross_entropy


class AuxiliaryClassifierLoss(AuxiliaryTerm):
    """`L_C = E[-log P(C = c | x_real)] + E[-log P(C = c | x_fake)]` (paper, eq. 2-3).

    Both D and G minimize it on top of the adversarial loss: D learns to classify real and fake
    images, G to make images D classifies as the label they were drawn for. D's output needs
    "class_logits" (`DCGANDiscriminator(class_head="auxiliary")`).

    Reference: https://arxiv.org/abs/1610.09585
    """

    name = "class"

    def discriminator_loss(self, step):
        return (class_cross_entropy(step.context, step.real_outputs["class_logits"])
                + class_cross_entropy(step.fake_context, step.fake_outputs["class_logits"]))

    def generator_loss(self, step):
        return class_cross_entropy(step.fake_context, step.fake_outputs["class_logits"])
