"""PatchGAN discriminator: Isola et al. 2017 (pix2pix, appendix 6.1.2), also CycleGAN's."""

from __future__ import annotations

import keras
from keras import layers, ops

from keras_gans.networks.blocks import apply_norm, dcgan_initializer, maybe_spectral_norm, normalization


@keras.saving.register_keras_serializable(package="keras_gans")
class PatchGANDiscriminator(keras.Model):
    """Image (pix2pix: source and target stacked on channels) -> a grid of patch logits.

    Each logit judges one receptive-field patch (70x70 with 3 strided layers), which penalizes
    structure at the scale of patches and leaves low frequencies to the L1 or cycle loss. The
    objectives average over the patch grid like over a batch.

    Args:
        width:           channels of the first layer; later layers double it up to 8x.
        strided_layers:  4x4 stride-2 convolutions before the two stride-1 ones (3: 70x70 patches).
        norm:            "batch" (pix2pix), "instance" (CycleGAN) or "none".
        spectral_norm:   spectrally normalize every convolution.
        return_features: also return the last hidden map (feature matching); the output is then
                         `{"logits", "features"}`.

    Example:
        >>> PatchGANDiscriminator(strided_layers=2)(keras.random.normal((2, 32, 32, 2))).shape
        (2, 8, 8, 1)
    """

    def __init__(self, width=64, strided_layers=3, norm="batch", spectral_norm=False,
                 return_features=False, **kwargs):
        super().__init__(**kwargs)
        self.width = int(width)
        self.strided_layers = int(strided_layers)
        self.norm = norm
        self.spectral_norm = bool(spectral_norm)
        self.return_features = bool(return_features)
        init = dcgan_initializer()

        def conv(filters, strides):
            layer = layers.Conv2D(filters, 4, strides=strides, padding="same", kernel_initializer=init)
            return maybe_spectral_norm(layer, self.spectral_norm)

        self.stages = []
        for index in range(self.strided_layers + 1):
            filters = self.width * min(2**index, 8)
            strides = 2 if index < self.strided_layers else 1
            self.stages.append((conv(filters, strides), normalization(norm) if index else None))
        self.to_logits = conv(1, 1)

    def call(self, images, training=False):
        x = images
        for conv, norm in self.stages:
            x = ops.leaky_relu(apply_norm(norm, conv(x, training=training), training), 0.2)
        logits = self.to_logits(x, training=training)
        return {"logits": logits, "features": x} if self.return_features else logits

    def get_config(self):
        return {
            **super().get_config(),
            "width": self.width,
            "strided_layers": self.strided_layers,
            "norm": self.norm,
            "spectral_norm": self.spectral_norm,
            "return_features": self.return_features,
        }
