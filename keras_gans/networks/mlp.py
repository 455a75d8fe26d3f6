"""Fully connected generator and discriminator (Goodfellow et al. 2014)."""

from __future__ import annotations

import math

import keras
from keras import layers, ops

from keras_gans.errors import check_choice, ConfigError
from keras_gans.networks.blocks import apply_norm, maybe_spectral_norm, normalization

# Normalizations of flat features: "instance" has no meaning without spatial axes.
MLP_NORMALIZATIONS = ("none", "batch", "layer")


def dense_normalization(kind):
    """A fresh normalization layer for (batch, features) activations, or None for "none"."""
    check_choice("MLP normalization", kind, MLP_NORMALIZATIONS, ConfigError)
    if kind == "layer":
        return layers.LayerNormalization()  # over the features, not the feature maps' [1, 2, 3]
    # Batch norm is the feature maps' layer: synchronized across replicas under a TF strategy.
    return normalization(kind)


@keras.saving.register_keras_serializable(package="keras_gans")
class MLPGenerator(keras.Model):
    """Maps latent vectors through dense layers to images (or to flat points for toy data).

    Args:
        latent_dim: size of the latent vector z.
        output_shape: shape of one sample, e.g. (28, 28, 1) or (2,) for 2-D toy data.
        units: widths of the hidden layers.
        output_activation: "tanh" for images in [-1, 1]; None for unbounded toy data.
        norm: "none" (the paper), "batch" or "layer", after each hidden layer's linear map.

    Example:
        >>> g = MLPGenerator(latent_dim=64, output_shape=(28, 28, 1))
        >>> g(keras.random.normal((4, 64))).shape
        (4, 28, 28, 1)
    """

    def __init__(self, latent_dim, output_shape, units=(1200, 1200), output_activation="tanh", norm="none",
                 **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.sample_shape = tuple(int(d) for d in output_shape)
        self.units = tuple(int(u) for u in units)
        self.output_activation = output_activation
        self.norm = norm
        self.hidden = [layers.Dense(u) for u in self.units]
        self.norms = [dense_normalization(norm) for _ in self.units]
        self.head = layers.Dense(math.prod(self.sample_shape), activation=output_activation)

    def call(self, z, training=False):
        x = z
        for dense, norm in zip(self.hidden, self.norms):
            x = ops.relu(apply_norm(norm, dense(x), training))
        return ops.reshape(self.head(x), (-1, *self.sample_shape))

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "output_shape": self.sample_shape,
            "units": self.units,
            "output_activation": self.output_activation,
            "norm": self.norm,
        }


@keras.saving.register_keras_serializable(package="keras_gans")
class MLPDiscriminator(keras.Model):
    """Flattens its input and scores it with dense layers; returns one logit per example.

    Args:
        units: widths of the hidden layers.
        dropout: dropout rate after each hidden layer (the paper trains D with dropout).
        spectral_norm: wrap every dense layer in spectral normalization (Miyato 2018).
        maxout_pieces: 1 for leaky ReLU units; k >= 2 makes each hidden unit the maximum of k
            linear pieces (maxout, Goodfellow et al. 2013; the paper's MNIST D uses 5).
    """

    def __init__(self, units=(240, 240), dropout=0.5, spectral_norm=False, maxout_pieces=1, **kwargs):
        super().__init__(**kwargs)
        self.units = tuple(int(u) for u in units)
        self.dropout = float(dropout)
        self.spectral_norm = bool(spectral_norm)
        self.maxout_pieces = int(maxout_pieces)
        if self.maxout_pieces < 1:
            raise ConfigError(f"maxout_pieces must be >= 1 (1 means leaky ReLU units); got {maxout_pieces}.")
        self.hidden = [maybe_spectral_norm(layers.Dense(u * self.maxout_pieces), self.spectral_norm)
                       for u in self.units]
        self.drop = [layers.Dropout(self.dropout) for _ in self.units]
        self.head = maybe_spectral_norm(layers.Dense(1), self.spectral_norm)

    def call(self, x, training=False):
        x = ops.reshape(x, (ops.shape(x)[0], -1))
        for units, dense, drop in zip(self.units, self.hidden, self.drop):
            x = drop(self._activate(dense(x, training=training), units), training=training)
        return self.head(x, training=training)

    def _activate(self, x, units):
        if self.maxout_pieces == 1:
            return ops.leaky_relu(x, 0.2)
        # A unit sees up to `pieces` directions of its input where a ReLU unit sees one: 240
        # maxout units of 5 pieces project a 784-pixel image onto 1,200 directions, so noise
        # orthogonal to a narrow first layer cannot hide from D.
        return ops.max(ops.reshape(x, (-1, units, self.maxout_pieces)), axis=-1)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "dropout": self.dropout,
            "spectral_norm": self.spectral_norm,
            "maxout_pieces": self.maxout_pieces,
        }

