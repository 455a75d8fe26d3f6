"""Deep convolutional generator and discriminator (Radford, Metz & Chintala 2015).

Both adapt to the image shape: the generator starts from a small base grid (7x7 for 28x28,
4x4 for 32x32 and 64x64) and doubles it with strided transposed convolutions; the
discriminator mirrors it with strided convolutions.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from keras_gans.errors import ConfigError
from keras_gans.networks.blocks import dcgan_initializer, maybe_spectral_norm, normalization


def resolution_plan(image_shape):
    """Returns (base_height, base_width, stages): how many 2x steps lead from base to image."""
    height, width = int(image_shape[0]), int(image_shape[1])
    stages = 0
    while height % 2 == 0 and width % 2 == 0 and height // 2 >= 4 and width // 2 >= 4:
        height, width, stages = height // 2, width // 2, stages + 1
    if stages == 0:
        raise ConfigError(
            f"DCGAN networks need image sides divisible by 2 with at least 8 pixels; got "
            f"{tuple(image_shape)}. Resize the data (image_size=...), e.g. to 28, 32 or 64."
        )
    return height, width, stages


@keras.saving.register_keras_serializable(package="keras_gans")
class DCGANGenerator(keras.Model):
    """Latent vector -> image in [-1, 1] through strided transposed convolutions.

    Args:
        latent_dim:  size of the latent vector z.
        image_shape: (height, width, channels) of the images to produce.
        width:       channels of the last hidden stage; earlier stages double it.
        norm:        "batch" (the paper), "layer" or "none".

    Example:
        >>> g = DCGANGenerator(latent_dim=100, image_shape=(28, 28, 1))
        >>> g(keras.random.normal((2, 100))).shape
        (2, 28, 28, 1)
    """

    def __init__(self, latent_dim, image_shape, width=64, norm="batch", **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.width = int(width)
        self.norm = norm
        base_h, base_w, stages = resolution_plan(self.image_shape)
        init = dcgan_initializer()
        channels = self.width * 2 ** (stages - 1)
        self.base_shape = (base_h, base_w, channels)
        self.project = layers.Dense(base_h * base_w * channels, use_bias=False, kernel_initializer=init)
        self.project_norm = normalization(norm)
        self.stages = []
        for _ in range(stages - 1):
            channels //= 2
            conv = layers.Conv2DTranspose(
                channels, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init
            )
            self.stages.append((conv, normalization(norm)))
        self.to_image = layers.Conv2DTranspose(
            self.image_shape[-1], 4, strides=2, padding="same", activation="tanh", kernel_initializer=init
        )

    def call(self, z, training=False):
        x = ops.reshape(self.project(z), (-1, *self.base_shape))
        x = _normalize(self.project_norm, x, training)
        x = ops.relu(x)
        for conv, norm in self.stages:
            x = ops.relu(_normalize(norm, conv(x), training))
        return self.to_image(x)

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "image_shape": self.image_shape,
            "width": self.width,
            "norm": self.norm,
        }


@keras.saving.register_keras_serializable(package="keras_gans")
class DCGANDiscriminator(keras.Model):
    """Image -> one logit per example through strided convolutions and leaky ReLUs.

    Args:
        image_shape:   (height, width, channels) of the images to score.
        width:         channels of the first stage; later stages double it.
        norm:          "batch" (the paper), "layer" (for gradient penalties) or "none".
        spectral_norm: wrap every convolution and the head in spectral normalization.
    """

    def __init__(self, image_shape, width=64, norm="batch", spectral_norm=False, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.width = int(width)
        self.norm = norm
        self.spectral_norm = bool(spectral_norm)
        _, _, stages = resolution_plan(self.image_shape)
        init = dcgan_initializer()
        self.stages = []
        for index in range(stages):
            conv = layers.Conv2D(self.width * 2**index, 4, strides=2, padding="same", kernel_initializer=init)
            # The paper leaves the discriminator's input layer unnormalized.
            norm_layer = normalization(norm) if index > 0 else None
            self.stages.append((maybe_spectral_norm(conv, self.spectral_norm), norm_layer))
        self.flatten = layers.Flatten()
        self.head = maybe_spectral_norm(layers.Dense(1, kernel_initializer=init), self.spectral_norm)

    def call(self, images, training=False):
        x = images
        for conv, norm in self.stages:
            x = ops.leaky_relu(_normalize(norm, conv(x, training=training), training), 0.2)
        return self.head(self.flatten(x), training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "width": self.width,
            "norm": self.norm,
            "spectral_norm": self.spectral_norm,
        }


def _normalize(layer, x, training):
    return x if layer is None else layer(x, training=training)
