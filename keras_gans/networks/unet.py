"""U-Net generator of pix2pix: Isola et al. 2017, "Image-to-Image Translation with Conditional
Adversarial Networks" (appendix 6.1.1)."""

from __future__ import annotations

import keras
from keras import layers, ops

from keras_gans.errors import ConfigError
from keras_gans.networks.blocks import apply_norm, dcgan_initializer, normalization

MAX_DEPTH = 8  # the paper's 256x256 U-Net halves eight times, down to 1x1


def unet_depth(image_shape):
    """How many times the encoder can halve the image (at most 8, as for 256x256)."""
    height, width = int(image_shape[0]), int(image_shape[1])
    depth = 0
    while depth < MAX_DEPTH and height % 2 == 0 and width % 2 == 0:
        height, width, depth = height // 2, width // 2, depth + 1
    if depth < 2:
        raise ConfigError(
            f"The U-Net needs image sides divisible by 4; got {tuple(image_shape)}. Resize the data "
            f"(image_size=...), e.g. to 32, 64 or 256."
        )
    return depth


@keras.saving.register_keras_serializable(package="keras_gans")
class UNetGenerator(keras.Model):
    """Source image -> target image; encoder stage i is concatenated to decoder stage depth - i.

    The skips carry the layout (edges, outlines) straight to the output, so the bottleneck only
    has to carry what changes. No z: as in the paper, dropout in the first decoder stages is the
    only noise (the paper keeps it on at test time; here it follows Keras and is on in training).

    Args:
        image_shape:     (height, width, channels) of the target images it produces.
        source_channels: channels of the source images it reads.
        width:           channels of the first encoder stage; later stages double it up to 8x.
        norm:            "batch" (the paper, with batch size 1 that is instance norm), "instance"
                         or "none".
        dropout:         rate in the first three decoder stages (0.5 in the paper).

    Example:
        >>> UNetGenerator((32, 32, 3), source_channels=1)(keras.random.normal((2, 32, 32, 1))).shape
        (2, 32, 32, 3)

    Reference: https://arxiv.org/abs/1611.07004
    """

    def __init__(self, image_shape, source_channels=None, width=64, norm="batch", dropout=0.5, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.source_channels = int(source_channels or self.image_shape[-1])
        self.width = int(width)
        self.norm = norm
        self.dropout = float(dropout)
        depth = unet_depth(self.image_shape)
        init = dcgan_initializer()
        channels = [self.width * min(2**i, 8) for i in range(depth)]
        self.down = []
        for index, filters in enumerate(channels):
            conv = layers.Conv2D(filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init)
            # No norm on the first layer (as in DCGAN) nor at the 1x1 bottleneck, where a
            # per-channel statistic over one pixel is degenerate.
            plain = index == 0 or index == depth - 1
            self.down.append((conv, None if plain else normalization(norm)))
        self.up = []
        for index, filters in enumerate(reversed(channels[:-1])):
            conv = layers.Conv2DTranspose(
                filters, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init
            )
            drop = layers.Dropout(self.dropout) if index < 3 and self.dropout else None
            self.up.append((conv, normalization(norm), drop))
        self.to_image = layers.Conv2DTranspose(
            self.image_shape[-1], 4, strides=2, padding="same", activation="tanh", kernel_initializer=init
        )

    def call(self, source, training=False):
        x, skips = source, []
        for conv, norm in self.down:
            x = apply_norm(norm, conv(ops.leaky_relu(x, 0.2) if skips else x), training)
            skips.append(x)
        for (conv, norm, drop), skip in zip(self.up, reversed(skips[:-1])):
            x = apply_norm(norm, conv(ops.relu(x)), training)
            if drop is not None:
                x = drop(x, training=training)
            x = ops.concatenate([x, skip], axis=-1)
        return self.to_image(ops.relu(x))

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "source_channels": self.source_channels,
            "width": self.width,
            "norm": self.norm,
            "dropout": self.dropout,
        }
