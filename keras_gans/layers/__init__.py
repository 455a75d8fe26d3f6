"""Keras layers for GAN networks."""

from keras_gans.layers.minibatch_discrimination import MinibatchDiscrimination
from keras_gans.layers.self_attention import SelfAttention
from keras_gans.layers.spectral_normalization import SpectralNormalization

__all__ = ["MinibatchDiscrimination", "SelfAttention", "SpectralNormalization"]
