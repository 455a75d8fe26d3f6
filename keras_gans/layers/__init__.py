"""Keras layers for GAN networks."""

from keras_gans.layers.spectral_normalization import SpectralNormalization

__all__ = ["SpectralNormalization"]
