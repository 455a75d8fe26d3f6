"""The generator's and the discriminator's optimizers as the one `Model.optimizer` Keras knows."""

from __future__ import annotations

import keras


class OptimizerPair(keras.optimizers.Optimizer):
    """Two optimizers, each built on its own network, seen by Keras's trainers as one.

    Keras's JAX `fit` threads `model.optimizer.variables` through the step as state and writes
    them back with `jax_state_sync`; a second optimizer outside that list would be read and
    written behind its back. Exposing both optimizers' variables here puts every moment and
    iteration count in the state, on TensorFlow and JAX alike, without a private hook. The
    learning rate and iteration count Keras callbacks read are the generator's (one iteration per
    generator step), as `LossScaleOptimizer` delegates to its inner optimizer.

    Args:
        generator:     the generator's optimizer, built on `generator.trainable_variables`.
        discriminator: the discriminator's optimizer, built on its trainable variables.
    """

    def __init__(self, generator, discriminator, name="gan_optimizers"):
        super().__init__(learning_rate=0.0, name=name)
        self.generator = generator
        self.discriminator = discriminator

    def build(self, var_list):
        # Each optimizer was built on its own network's variables; Keras would build this one on
        # both networks' at once.
        self.built = True

    @property
    def variables(self):
        return list(self.generator.variables) + list(self.discriminator.variables)

    @property
    def learning_rate(self):
        return self.generator.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        # Optimizer.__init__ sets the pair's own (unused) rate; the real ones live in the pair.
        if hasattr(self, "generator"):
            self.generator.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.generator.iterations

    def finalize_variable_values(self, var_list):
        # Only Keras's optimizer-side EMA (`use_ema`) acts here; `GAN.compile` refuses it, since
        # the GAN keeps its own EMA generator.
        return None

    def get_config(self):
        return {
            "name": self.name,
            "generator": keras.optimizers.serialize(self.generator),
            "discriminator": keras.optimizers.serialize(self.discriminator),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(keras.optimizers.deserialize(config["generator"], custom_objects=custom_objects),
                   keras.optimizers.deserialize(config["discriminator"], custom_objects=custom_objects),
                   name=config.get("name", "gan_optimizers"))
