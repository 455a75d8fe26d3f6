"""Self-attention over feature-map positions: Zhang et al. 2018, "Self-Attention GANs"."""

from __future__ import annotations

import keras
from keras import layers, ops

from keras_gans.layers.spectral_normalization import SpectralNormalization


@keras.saving.register_keras_serializable(package="keras_gans")
class SelfAttention(keras.layers.Layer):
    """`x + gamma * attention(x)`: every position attends to every other position of the map.

    Convolutions see only local neighbourhoods; attention lets a generator coordinate distant
    parts of an image (both ends of a sleeve) and lets a discriminator check them. Queries and
    keys are 1x1 convolutions to `channels // key_ratio` channels, values to `channels // 2`
    channels followed by a 1x1 convolution back to `channels` (the official SAGAN code). `gamma`
    starts at 0, so a fresh block is the identity and the network first learns local features
    (section 4 of the paper).

    Args:
        spectral_norm: spectrally normalize the four 1x1 convolutions (SAGAN does, in G and D).
        key_ratio:     channels // key_ratio query/key channels (the paper uses 8).

    Example:
        >>> SelfAttention()(keras.random.normal((2, 16, 16, 64))).shape
        (2, 16, 16, 64)

    Reference: https://arxiv.org/abs/1805.08318
    """

    def __init__(self, spectral_norm=True, key_ratio=8, **kwargs):
        super().__init__(**kwargs)
        self.spectral_norm = bool(spectral_norm)
        self.key_ratio = int(key_ratio)

    def build(self, input_shape):
        channels = int(input_shape[-1])

        def conv(filters):
            layer = layers.Conv2D(max(1, filters), 1, use_bias=False)
            return SpectralNormalization(layer) if self.spectral_norm else layer

        self.query = conv(channels // self.key_ratio)
        self.key = conv(channels // self.key_ratio)
        self.value = conv(channels // 2)
        self.project = conv(channels)
        self.gamma = self.add_weight(shape=(), initializer="zeros", name="gamma")
        super().build(input_shape)

    def call(self, x, training=False):
        batch = ops.shape(x)[0]
        height, width = x.shape[1], x.shape[2]

        def positions(layer):
            y = layer(x, training=training)
            return ops.reshape(y, (batch, height * width, y.shape[-1]))

        query, key, value = positions(self.query), positions(self.key), positions(self.value)
        attention = ops.softmax(ops.matmul(query, ops.transpose(key, (0, 2, 1))), axis=-1)
        attended = ops.reshape(ops.matmul(attention, value), (batch, height, width, value.shape[-1]))
        return x + self.gamma * self.project(attended, training=training)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "spectral_norm": self.spectral_norm, "key_ratio": self.key_ratio}
