"""Feature matching: Salimans et al. 2016, "Improved Techniques for Training GANs" (3.1)."""

from __future__ import annotations

from keras import ops

from keras_gans.trainer.terms.base import AuxiliaryTerm


class FeatureMatching(AuxiliaryTerm):
    """`||E f(x) - E f(G(z))||^2` over D's features f, averaged over feature dimensions.

    G matches the statistics D uses rather than beating the current D, a target that moves less,
    which stabilizes training when D gets ahead. Needs a discriminator that returns "features"
    (`return_features=True`). The paper replaces G's objective with it; as a switch here it is
    added to the adversarial loss with its weight.

    Reference: https://arxiv.org/abs/1606.03498
    """

    name = "feature_matching"
    needs_real_outputs = True

    def generator_loss(self, step):
        real = ops.stop_gradient(ops.mean(ops.cast(step.real_outputs["features"], "float32"), axis=0))
        fake = ops.mean(ops.cast(step.fake_outputs["features"], "float32"), axis=0)
        return ops.mean(ops.square(real - fake))
