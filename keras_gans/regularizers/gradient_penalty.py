"""WGAN-GP gradient penalty: Gulrajani et al. 2017, "Improved Training of Wasserstein GANs"."""

from __future__ import annotations

import keras
from keras import ops

from keras_gans.backend import per_example
from keras_gans.regularizers.base import Regularizer, per_example_sum

# Inside the square root, so that its derivative stays finite where the input gradient vanishes.
_SQRT_EPSILON = 1e-12


class GradientPenalty(Regularizer):
    """Two-sided penalty `E[(||grad D(x_hat)||_2 - 1)^2]` at random interpolates (Algorithm 1).

    `x_hat = eps * real + (1 - eps) * fake` with one `eps ~ Uniform[0, 1]` per example, shared by
    all its pixels; the norm is taken over all non-batch axes. For a patch discriminator the
    gradient is that of the sum of its outputs.

    Args:
        weight: lambda of the paper (10).
        every: apply on every `every`-th discriminator step (lazy regularization).

    Reference: https://arxiv.org/abs/1704.00028
    """

    name = "gp"

    def __init__(self, weight=10.0, every=1):
        super().__init__(weight=weight, every=every)

    def discriminator_penalty(self, inputs):
        real = ops.cast(inputs.real, "float32")
        fake = ops.cast(inputs.fake, "float32")
        shape = (ops.shape(real)[0],) + (1,) * (len(real.shape) - 1)
        eps = per_example(keras.random.uniform, shape, inputs.seed_generator)
        interpolates = fake + eps * (real - fake)
        gradients = inputs.gradients_at(interpolates)
        norms = ops.sqrt(per_example_sum(ops.square(gradients)) + _SQRT_EPSILON)
        return ops.mean(ops.square(norms - 1.0))
