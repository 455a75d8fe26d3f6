"""Deep convolutional generator and discriminator (Radford, Metz & Chintala 2015).

Both adapt to the image shape: the generator starts from a small base grid (7x7 for 28x28,
4x4 for 32x32 and 64x64) and doubles it with strided transposed convolutions; the
discriminator mirrors it with strided convolutions.

The same two networks serve the conditional and SAGAN recipes: a label embedding concatenated to z
(Mirza & Osindero 2014), spectral normalization in G and a self-attention block at one resolution
(Zhang et al. 2018), and on the discriminator side the heads of `heads.DiscriminatorHeads`.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from keras_gans.errors import ConfigError
from keras_gans.layers import SelfAttention
from keras_gans.networks.blocks import apply_norm, dcgan_initializer, maybe_spectral_norm, normalization
from keras_gans.networks.heads import DiscriminatorHeads


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


def attention_block(resolution, side, spectral_norm):
    """A SelfAttention layer where the feature map's side equals `resolution`, else None."""
    return SelfAttention(spectral_norm=spectral_norm) if resolution == side else None


def check_attention_resolution(resolution, sides):
    if resolution is not None and resolution not in sides:
        raise ConfigError(
            f"attention_resolution={resolution} matches no feature map of this network; its maps "
            f"have sides {sorted(set(sides))}."
        )


@keras.saving.register_keras_serializable(package="keras_gans")
class DCGANGenerator(keras.Model):
    """Latent vector -> image in [-1, 1] through strided transposed convolutions.

    Args:
        latent_dim:           size of the latent vector z (InfoGAN: noise plus codes).
        image_shape:          (height, width, channels) of the images to produce.
        width:                channels of the last hidden stage; earlier stages double it.
        norm:                 "batch" (the paper), "layer", "instance" or "none".
        num_classes:          makes it class-conditional: the call takes `[z, labels]` and a
                              learned label embedding is concatenated to z (Mirza & Osindero 2014).
        spectral_norm:        spectrally normalize every layer (SAGAN does it in G as well).
        attention_resolution: feature-map side after which a SelfAttention block sits (SAGAN).
        embedding_dim:        size of the label embedding.

    Example:
        >>> g = DCGANGenerator(latent_dim=100, image_shape=(28, 28, 1))
        >>> g(keras.random.normal((2, 100))).shape
        (2, 28, 28, 1)
        >>> g = DCGANGenerator(100, (28, 28, 1), num_classes=10)
        >>> g([keras.random.normal((2, 100)), keras.ops.array([3, 7])]).shape
        (2, 28, 28, 1)
    """

    def __init__(self, latent_dim, image_shape, width=64, norm="batch", num_classes=None,
                 spectral_norm=False, attention_resolution=None, embedding_dim=50, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = int(latent_dim)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.width = int(width)
        self.norm = norm
        self.num_classes = None if num_classes is None else int(num_classes)
        self.spectral_norm = bool(spectral_norm)
        self.attention_resolution = attention_resolution
        self.embedding_dim = int(embedding_dim)
        base_h, base_w, stages = resolution_plan(self.image_shape)
        check_attention_resolution(attention_resolution, [base_h * 2**i for i in range(stages)])
        init = dcgan_initializer()

        def sn(layer):
            return maybe_spectral_norm(layer, self.spectral_norm)

        self.embedding = layers.Embedding(self.num_classes, self.embedding_dim) if self.num_classes else None
        channels = self.width * 2 ** (stages - 1)
        self.base_shape = (base_h, base_w, channels)
        self.project = sn(layers.Dense(base_h * base_w * channels, use_bias=False, kernel_initializer=init))
        self.project_norm = normalization(norm)
        self.base_attention = attention_block(attention_resolution, base_h, self.spectral_norm)
        self.stages = []
        for index in range(stages - 1):
            channels //= 2
            conv = sn(layers.Conv2DTranspose(
                channels, 4, strides=2, padding="same", use_bias=False, kernel_initializer=init
            ))
            attention = attention_block(attention_resolution, base_h * 2 ** (index + 1), self.spectral_norm)
            self.stages.append((conv, normalization(norm), attention))
        self.to_image = sn(layers.Conv2DTranspose(
            self.image_shape[-1], 4, strides=2, padding="same", activation="tanh", kernel_initializer=init
        ))

    def call(self, inputs, training=False):
        if self.embedding is not None:
            z, labels = inputs
            inputs = ops.concatenate([z, self.embedding(ops.cast(labels, "int32"))], axis=-1)
        x = ops.reshape(self.project(inputs, training=training), (-1, *self.base_shape))
        x = ops.relu(apply_norm(self.project_norm, x, training))
        x = _attend(self.base_attention, x, training)
        for conv, norm, attention in self.stages:
            x = ops.relu(apply_norm(norm, conv(x, training=training), training))
            x = _attend(attention, x, training)
        return self.to_image(x, training=training)

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "image_shape": self.image_shape,
            "width": self.width,
            "norm": self.norm,
            "num_classes": self.num_classes,
            "spectral_norm": self.spectral_norm,
            "attention_resolution": self.attention_resolution,
            "embedding_dim": self.embedding_dim,
        }


@keras.saving.register_keras_serializable(package="keras_gans")
class DCGANDiscriminator(keras.Model):
    """Image -> one logit per example through strided convolutions and leaky ReLUs.

    With only the adversarial head it returns logits `[batch, 1]`; with a class, code or features
    head, the dict of `heads.DiscriminatorHeads`. With `class_head="projection"` the call takes
    `[images, labels]`.

    Args:
        image_shape:          (height, width, channels) of the images to score.
        width:                channels of the first stage; later stages double it.
        norm:                 "batch" (the paper), "layer" (for gradient penalties), "instance"
                              or "none".
        spectral_norm:        wrap every convolution and the heads in spectral normalization.
        num_classes:          classes of the labels the class head uses.
        class_head:           "none", "projection" (cGAN) or "auxiliary" (AC-GAN).
        code_outputs:         width of InfoGAN's Q head; 0: none.
        minibatch_kernels:    minibatch-discrimination statistics appended to the features; 0: off.
        return_features:      also return the features (feature matching).
        attention_resolution: feature-map side after which a SelfAttention block sits (SAGAN).
    """

    def __init__(self, image_shape, width=64, norm="batch", spectral_norm=False, num_classes=None,
                 class_head="none", code_outputs=0, minibatch_kernels=0, return_features=False,
                 attention_resolution=None, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.width = int(width)
        self.norm = norm
        self.spectral_norm = bool(spectral_norm)
        self.attention_resolution = attention_resolution
        _, _, stages = resolution_plan(self.image_shape)
        sides = [self.image_shape[0] // 2 ** (i + 1) for i in range(stages)]
        check_attention_resolution(attention_resolution, sides)
        init = dcgan_initializer()
        self.stages = []
        for index in range(stages):
            conv = layers.Conv2D(self.width * 2**index, 4, strides=2, padding="same", kernel_initializer=init)
            # The paper leaves the discriminator's input layer unnormalized.
            norm_layer = normalization(norm) if index > 0 else None
            attention = attention_block(attention_resolution, sides[index], self.spectral_norm)
            self.stages.append((maybe_spectral_norm(conv, self.spectral_norm), norm_layer, attention))
        self.flatten = layers.Flatten()
        self.heads = DiscriminatorHeads(
            num_classes, class_head, code_outputs, minibatch_kernels, return_features, self.spectral_norm
        )

    def call(self, inputs, training=False):
        images, labels = inputs if self.heads.class_head == "projection" else (inputs, None)
        x = images
        for conv, norm, attention in self.stages:
            x = ops.leaky_relu(apply_norm(norm, conv(x, training=training), training), 0.2)
            x = _attend(attention, x, training)
        return self.heads(self.flatten(x), labels, training=training)

    def get_config(self):
        heads = self.heads.get_config()
        return {
            **super().get_config(),
            "image_shape": self.image_shape,
            "width": self.width,
            "norm": self.norm,
            "spectral_norm": self.spectral_norm,
            "attention_resolution": self.attention_resolution,
            **{key: heads[key] for key in ("num_classes", "class_head", "code_outputs",
                                           "minibatch_kernels", "return_features")},
        }


def _attend(attention, x, training):
    return x if attention is None else attention(x, training=training)
