"""Small building blocks the network families share."""

from __future__ import annotations

import keras
from keras import layers

from keras_gans.errors import check_choice, ConfigError

NORMALIZATIONS = ("batch", "layer", "none")

# Radford et al. 2015: "All weights were initialized from a zero-centered Normal distribution
# with standard deviation 0.02."
def dcgan_initializer():
    return keras.initializers.RandomNormal(stddev=0.02)


def maybe_spectral_norm(layer, enabled):
    if not enabled:
        return layer
    from keras_gans.layers import SpectralNormalization

    return SpectralNormalization(layer)


def normalization(kind):
    """A fresh normalization layer for NHWC feature maps, or None for "none"."""
    check_choice("normalization", kind, NORMALIZATIONS, ConfigError)
    if kind == "batch":
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5)
    if kind == "layer":
        # Normalizes each example over all its features: per-example gradient penalties stay
        # valid, which batch normalization would break (Gulrajani et al. 2017, section 4).
        return layers.LayerNormalization(axis=[1, 2, 3])
    return None
