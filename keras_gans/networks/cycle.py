"""Two-domain containers that let CycleGAN's pairs of networks play in the one adversarial step.

The trainer treats a `CycleGenerators` as one generator `(a, b) -> (fake_a, fake_b)` and a
`DomainDiscriminators` as one discriminator `(x_a, x_b) -> logits of both, stacked on the batch
axis`, so the objective's mean over that axis averages the two domains' losses. Each inner network
stays a plain image -> image (or image -> logits) model: `CycleGenerators.a_to_b` is what gets
exported.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gans")
class CycleGenerators(keras.Model):
    """`(a, b) -> (b_to_a(b), a_to_b(a))`, the fakes in domain order.

    Args:
        a_to_b: keras.Model translating domain A images into domain B (CycleGAN's G).
        b_to_a: keras.Model translating domain B images into domain A (CycleGAN's F).
    """

    def __init__(self, a_to_b, b_to_a, **kwargs):
        super().__init__(**kwargs)
        self.a_to_b = a_to_b
        self.b_to_a = b_to_a

    def call(self, inputs, training=False):
        a, b = inputs
        return self.b_to_a(b, training=training), self.a_to_b(a, training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "a_to_b": keras.saving.serialize_keras_object(self.a_to_b),
            "b_to_a": keras.saving.serialize_keras_object(self.b_to_a),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("a_to_b", "b_to_a"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_gans")
class DomainDiscriminators(keras.Model):
    """`(x_a, x_b) -> concat([d_a(x_a), d_b(x_b)], axis=0)`.

    Args:
        d_a: keras.Model scoring domain A images (CycleGAN's D_X).
        d_b: keras.Model scoring domain B images (CycleGAN's D_Y).
    """

    def __init__(self, d_a, d_b, **kwargs):
        super().__init__(**kwargs)
        self.d_a = d_a
        self.d_b = d_b

    def call(self, inputs, training=False):
        x_a, x_b = inputs
        return ops.concatenate([self.d_a(x_a, training=training), self.d_b(x_b, training=training)], axis=0)

    def get_config(self):
        return {
            **super().get_config(),
            "d_a": keras.saving.serialize_keras_object(self.d_a),
            "d_b": keras.saving.serialize_keras_object(self.d_b),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("d_a", "d_b"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
