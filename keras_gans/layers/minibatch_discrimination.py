"""Minibatch discrimination: Salimans et al. 2016, "Improved Techniques for Training GANs" (3.2)."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class MinibatchDiscrimination(keras.layers.Layer):
    """Appends to each example's features how close it is to the other examples of its batch.

    A collapsed generator makes whole batches of near-identical samples; a discriminator that sees
    per-example features alone cannot tell, this one can. Features `f [n, A]` are projected by a
    trained tensor `T` to `M [n, B, C]`; `o(x_i)_b = sum_{j != i} exp(-||M_ib - M_jb||_1)`, and
    the layer returns `concat(f, o) [n, A + B]`.

    Args:
        num_kernels: B, the number of closeness statistics appended.
        kernel_dim:  C, the dimension each closeness is measured in.

    Reference: https://arxiv.org/abs/1606.03498
    """

    def __init__(self, num_kernels=50, kernel_dim=5, **kwargs):
        super().__init__(**kwargs)
        self.num_kernels = int(num_kernels)
        self.kernel_dim = int(kernel_dim)

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(int(input_shape[-1]), self.num_kernels * self.kernel_dim),
            initializer=keras.initializers.RandomNormal(stddev=0.02),
            name="kernel",
        )
        super().build(input_shape)

    def call(self, features):
        m = ops.reshape(ops.matmul(features, self.kernel), (-1, self.num_kernels, self.kernel_dim))
        distances = ops.sum(ops.abs(m[:, None] - m[None, :]), axis=-1)  # [n, n, B]
        # exp(0) = 1 for the example itself, removed so a batch of one carries no signal.
        closeness = ops.sum(ops.exp(-distances), axis=1) - 1.0
        return ops.concatenate([features, closeness], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + self.num_kernels)

    def get_config(self):
        return {**super().get_config(), "num_kernels": self.num_kernels, "kernel_dim": self.kernel_dim}
