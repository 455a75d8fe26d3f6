"""ResNet generator of CycleGAN: Zhu et al. 2017 (appendix 7.2), after Johnson et al. 2016."""

from __future__ import annotations

import keras
from keras import layers, ops

from keras_gans.errors import ConfigError
from keras_gans.networks.blocks import apply_norm, normalization, reflect_pad


@keras.saving.register_keras_serializable(package="keras_gans")
class ResNetGenerator(keras.Model):
    """Image -> image of the other domain: c7s1-w, d2w, d4w, `blocks` x R4w, u2w, uw, c7s1-C.

    Residual blocks at quarter resolution change appearance (texture, colour) while the image's
    layout passes through the identity paths, which is what unpaired translation changes and keeps.

    Args:
        image_shape:     (height, width, channels) of the images it produces.
        source_channels: channels of the images it reads.
        width:           channels of the first layer (64 in the paper).
        blocks:          residual blocks (6 for 128x128, 9 for 256x256 in the paper).
        norm:            "instance" (the paper) or another normalization.

    Example:
        >>> ResNetGenerator((28, 28, 1), blocks=2)(keras.random.normal((2, 28, 28, 1))).shape
        (2, 28, 28, 1)

    Reference: https://arxiv.org/abs/1703.10593
    """

    def __init__(self, image_shape, source_channels=None, width=64, blocks=6, norm="instance", **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.source_channels = int(source_channels or self.image_shape[-1])
        self.width = int(width)
        self.blocks = int(blocks)
        self.norm = norm
        if self.image_shape[0] % 4 or self.image_shape[1] % 4:
            raise ConfigError(f"The ResNet generator needs image sides divisible by 4; got {self.image_shape}.")
        init = keras.initializers.RandomNormal(stddev=0.02)

        def conv(filters, size, strides=1, transpose=False):
            cls = layers.Conv2DTranspose if transpose else layers.Conv2D
            padding = "valid" if size == 7 or (size == 3 and strides == 1 and not transpose) else "same"
            return cls(filters, size, strides=strides, padding=padding, kernel_initializer=init)

        self.stem = (conv(self.width, 7), normalization(norm))
        self.down = [(conv(self.width * m, 3, 2), normalization(norm)) for m in (2, 4)]
        self.residual = [
            [(conv(self.width * 4, 3), normalization(norm)) for _ in range(2)] for _ in range(self.blocks)
        ]
        self.up = [(conv(self.width * m, 3, 2, transpose=True), normalization(norm)) for m in (2, 1)]
        self.to_image = conv(self.image_shape[-1], 7)

    def call(self, images, training=False):
        conv, norm = self.stem
        x = ops.relu(apply_norm(norm, conv(reflect_pad(images, 3)), training))
        for conv, norm in self.down:
            x = ops.relu(apply_norm(norm, conv(x), training))
        for (conv_1, norm_1), (conv_2, norm_2) in self.residual:
            y = ops.relu(apply_norm(norm_1, conv_1(reflect_pad(x, 1)), training))
            x = x + apply_norm(norm_2, conv_2(reflect_pad(y, 1)), training)
        for conv, norm in self.up:
            x = ops.relu(apply_norm(norm, conv(x), training))
        return ops.tanh(self.to_image(reflect_pad(x, 3)))

    def get_config(self):
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "source_channels": self.source_channels,
            "width": self.width,
            "blocks": self.blocks,
            "norm": self.norm,
        }
