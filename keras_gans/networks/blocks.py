"""Small building blocks the network families share."""

from __future__ import annotations

import keras
from keras import layers

from keras_gans.errors import check_choice, ConfigError

NORMALIZATIONS = ("batch", "layer", "instance", "none")

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
        # Under a TF strategy each replica would see only its slice; synchronized statistics are
        # the global batch's, as on one device (JAX's global arrays need nothing).
        return layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=_replicated_tf())
    if kind == "layer":
        # Normalizes each example over all its features: per-example gradient penalties stay
        # valid, which batch normalization would break (Gulrajani et al. 2017, section 4).
        return layers.LayerNormalization(axis=[1, 2, 3])
    if kind == "instance":
        # One group per channel is instance normalization (Ulyanov et al. 2016), which pix2pix and
        # CycleGAN use; Keras has it built in now that tensorflow_addons is gone.
        return layers.GroupNormalization(groups=-1, epsilon=1e-5)
    return None


def _replicated_tf() -> bool:
    from keras_gans import backend

    return backend.name == "tensorflow" and backend.replicas() > 1


def apply_norm(layer, x, training):
    """`layer(x)`, or `x` itself where a "none" normalization left no layer."""
    return x if layer is None else layer(x, training=training)


def reflect_pad(x, pad):
    """Reflection padding of the two spatial axes (CycleGAN's generators pad this way, which avoids
    the dark borders zero padding leaves)."""
    return keras.ops.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="reflect")
