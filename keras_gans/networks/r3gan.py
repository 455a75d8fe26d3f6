"""R3GAN's generator and discriminator: Huang et al. 2024, "The GAN is dead; long live the GAN! A
Modern GAN Baseline" (config E), after brownvc/R3GAN `R3GAN/Networks.py`.

A ResNet without normalization: each stage is a transition (a learned 4x4 basis, or [1, 3, 3, 1]
interpolation plus a 1x1 convolution where the width changes) and residual blocks built as
inverted bottlenecks (1x1 expand, grouped kxk, 1x1 project) with biased leaky ReLUs. Training is
kept stable by the initialization rather than by normalization: fan-in ("MSR") initialization
with the leaky ReLU's gain, scaled by `L ** -1/4` (L = residual blocks in the network) inside each
branch, and the last convolution of every branch initialized to zero, so that each block starts
as the identity (Fix-up, Zhang et al. 2019).

Both adapt to the image shape like the DCGAN family: stages run from a base grid (7x7 for 28x28,
4x4 for 32x32 and 64x64) up to the image, one 2x step per stage.
"""

from __future__ import annotations

import math

import keras
from keras import layers, ops

from keras_gans.errors import ConfigError
from keras_gans.networks.dcgan import resolution_plan

# The paper's biased activation: leaky ReLU 0.2, whose gain keeps unit variance through it.
_SLOPE = 0.2
_ACTIVATION_GAIN = math.sqrt(2.0 / (1.0 + _SLOPE**2))


def msr_initializer(gain=1.0):
    """Normal(0, gain / sqrt(fan_in)), the repository's `MSRInitializer`; zeros for gain 0."""
    if gain == 0:
        return "zeros"
    return keras.initializers.VarianceScaling(scale=gain**2, mode="fan_in", distribution="untruncated_normal")


def _conv(filters, size, gain=1.0, groups=1, bias=False):
    cls = GroupedConv2D if groups > 1 else layers.Conv2D
    options = {"groups": groups} if groups > 1 else {}
    return cls(filters, size, padding="same", use_bias=bias, kernel_initializer=msr_initializer(gain), **options)


@keras.saving.register_keras_serializable(package="keras_gans")
class GroupedConv2D(layers.Conv2D):
    """`Conv2D(groups=...)` computed as one ordinary convolution per group, concatenated.

    Same kernel layout (`[k, k, in / groups, out]`) and initialization as Keras' grouped
    convolution, but without its TensorFlow-CPU fallback, which wraps every grouped convolution
    in its own XLA-compiled `tf.function` and so recompiles on every eager call (sampling, FID,
    export) and puts XLA-only ops into exported graphs.
    """

    def convolution_op(self, inputs, kernel):
        inputs_per_group = ops.split(inputs, self.groups, axis=-1)
        kernels_per_group = ops.split(kernel, self.groups, axis=-1)
        return ops.concatenate([
            ops.conv(x, k, strides=self.strides, padding=self.padding, data_format=self.data_format,
                     dilation_rate=self.dilation_rate)
            for x, k in zip(inputs_per_group, kernels_per_group)], axis=-1)


# Plain slicing (strided slices) rather than `ops.slice`/`ops.take`: under XLA on TensorFlow the
# gradient of `tf.slice` is a dynamic-update-slice, which cannot be differentiated again, and R1/R2
# differentiate the discriminator's input gradient.
def _index(axis, index):
    return (slice(None),) * axis + (index,)


def _pairs(x, axis):
    """Splits an even-length spatial `axis` into (even, odd) positions."""
    shape = list(x.shape)
    shape[axis:axis + 1] = [shape[axis] // 2, 2]
    shape[0] = -1
    split = ops.reshape(x, shape)
    return split[_index(axis + 1, 0)], split[_index(axis + 1, 1)]


def _pad(x, axis):
    padding = [[0, 0]] * 4
    padding[axis] = [1, 1]
    return ops.pad(x, padding)


def _window(x, axis, start, length):
    return x[_index(axis, slice(start, start + length))]


def upsample(x):
    """2x upsampling with the [1, 3, 3, 1] filter and zero padding (upfirdn2d's `upsample2d`)."""
    for axis in (1, 2):
        length = x.shape[axis]
        padded = _pad(x, axis)
        previous, current, following = (_window(padded, axis, s, length) for s in (0, 1, 2))
        even, odd = 0.25 * previous + 0.75 * current, 0.75 * current + 0.25 * following
        shape = list(x.shape)
        shape[0], shape[axis] = -1, 2 * length
        x = ops.reshape(ops.stack([even, odd], axis=axis + 1), shape)
    return x


def downsample(x):
    """2x downsampling with the [1, 3, 3, 1] filter and zero padding (upfirdn2d's `downsample2d`)."""
    for axis in (1, 2):
        length = x.shape[axis]
        padded = _pad(x, axis)
        first, second = _pairs(_window(padded, axis, 0, length), axis)
        third, fourth = _pairs(_window(padded, axis, 2, length), axis)
        x = (first + 3.0 * second + 3.0 * third + fourth) / 8.0
    return x


@keras.saving.register_keras_serializable(package="keras_gans")
class R3GANResidualBlock(layers.Layer):
    """`x + conv1x1(act(grouped_conv(act(conv1x1(x)))))`, the last convolution zero-initialized.

    Args:
        channels:       input and output channels.
        cardinality:    groups of the kxk convolution.
        expansion:      width multiplier inside the block (2 in the paper).
        kernel_size:    of the grouped convolution (3).
        network_blocks: residual blocks in the whole network (L of the `L ** -1/4` scaling).
    """

    def __init__(self, channels, cardinality, expansion=2, kernel_size=3, network_blocks=1, **kwargs):
        super().__init__(**kwargs)
        self.channels, self.cardinality, self.expansion = int(channels), int(cardinality), int(expansion)
        self.kernel_size, self.network_blocks = int(kernel_size), int(network_blocks)
        expanded = self.channels * self.expansion
        if expanded % self.cardinality:
            raise ConfigError(f"R3GAN block: {expanded} expanded channels do not split into {cardinality} groups.")
        # Three linear layers per branch: the variance-preserving gain shrinks by L^(-1/(2*3-2)).
        gain = _ACTIVATION_GAIN * self.network_blocks ** (-1.0 / 4.0)
        self.expand = _conv(expanded, 1, gain, bias=True)
        self.grouped = _conv(expanded, self.kernel_size, gain, groups=self.cardinality, bias=True)
        self.project = _conv(self.channels, 1, gain=0.0)

    def call(self, x):
        y = ops.leaky_relu(self.expand(x), _SLOPE)
        y = ops.leaky_relu(self.grouped(y), _SLOPE)
        return x + self.project(y)

    def get_config(self):
        return {**super().get_config(), "channels": self.channels, "cardinality": self.cardinality,
                "expansion": self.expansion, "kernel_size": self.kernel_size,
                "network_blocks": self.network_blocks}


class _R3GANNetwork(keras.Model):
    """What R3GAN's generator and discriminator share: the stage plan and the residual blocks."""

    def __init__(self, image_shape, width, blocks_per_stage, expansion, group_width, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.width, self.blocks_per_stage = int(width), int(blocks_per_stage)
        self.expansion, self.group_width, self.kernel_size = int(expansion), int(group_width), int(kernel_size)
        if self.width * self.expansion % self.group_width:
            raise ConfigError(f"R3GAN networks need width * expansion ({self.width} * {self.expansion}) "
                              f"divisible by group_width ({self.group_width}); e.g. width 64, 96 or 128.")
        base_h, base_w, upsamplings = resolution_plan(self.image_shape)
        self.base_shape = (base_h, base_w)
        self.num_stages = upsamplings + 1
        self.network_blocks = max(1, self.num_stages * self.blocks_per_stage)

    def _blocks(self):
        return [R3GANResidualBlock(self.width, self.width * self.expansion // self.group_width, self.expansion,
                                   self.kernel_size, self.network_blocks) for _ in range(self.blocks_per_stage)]

    def get_config(self):
        return {**super().get_config(), "image_shape": self.image_shape, "width": self.width,
                "blocks_per_stage": self.blocks_per_stage, "expansion": self.expansion,
                "group_width": self.group_width, "kernel_size": self.kernel_size}


@keras.saving.register_keras_serializable(package="keras_gans")
class R3GANGenerator(_R3GANNetwork):
    """z -> image: a learned base-grid basis modulated by a linear map of z, then stages of
    upsampling and residual blocks, then a 1x1 convolution to the image channels (no tanh: the
    paper's output is linear; samples are clipped to [-1, 1] where they become pictures).

    Args:
        latent_dim:       size of z (64 in the paper).
        image_shape:      (height, width, channels) of the images to produce.
        width:            channels of every stage (768 for CIFAR-10 in the paper).
        blocks_per_stage: residual blocks per stage (2).
        expansion:        inverted-bottleneck width multiplier (2).
        group_width:      channels per group of the grouped convolution (16: 1536 / 96 groups).
        kernel_size:      of the grouped convolutions (3).

    Example:
        >>> R3GANGenerator(64, (32, 32, 3), width=32)(keras.random.normal((2, 64))).shape
        (2, 32, 32, 3)

    Reference: https://arxiv.org/abs/2501.05441
    """

    def __init__(self, latent_dim, image_shape, width=768, blocks_per_stage=2, expansion=2, group_width=16,
                 kernel_size=3, **kwargs):
        super().__init__(image_shape, width, blocks_per_stage, expansion, group_width, kernel_size, **kwargs)
        self.latent_dim = int(latent_dim)
        self.basis = self.add_weight(shape=(*self.base_shape, self.width), name="basis",
                                     initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.modulation = layers.Dense(self.width, use_bias=False, kernel_initializer=msr_initializer())
        # The width is the same in every stage, so upsampling needs no 1x1 convolution.
        self.stages = [self._blocks() for _ in range(self.num_stages)]
        self.to_image = _conv(self.image_shape[-1], 1)

    def call(self, z, training=False):
        x = self.basis[None] * self.modulation(z)[:, None, None, :]
        for index, blocks in enumerate(self.stages):
            if index:
                x = upsample(x)
            for block in blocks:
                x = block(x)
        return self.to_image(x)

    def get_config(self):
        return {**super().get_config(), "latent_dim": self.latent_dim}


@keras.saving.register_keras_serializable(package="keras_gans")
class R3GANDiscriminator(_R3GANNetwork):
    """Image -> one logit per example `[batch, 1]`: a 1x1 convolution to the stage width, stages of
    residual blocks and downsampling, then a depthwise convolution over the whole base grid and a
    linear map to the logit (the repository's `DiscriminativeBasis`).

    Args: as `R3GANGenerator`, without `latent_dim`.

    Reference: https://arxiv.org/abs/2501.05441
    """

    def __init__(self, image_shape, width=768, blocks_per_stage=2, expansion=2, group_width=16, kernel_size=3,
                 **kwargs):
        super().__init__(image_shape, width, blocks_per_stage, expansion, group_width, kernel_size, **kwargs)
        self.from_image = _conv(self.width, 1)
        self.stages = [self._blocks() for _ in range(self.num_stages)]
        self.basis = layers.DepthwiseConv2D(self.base_shape, padding="valid", use_bias=False,
                                            depthwise_initializer=msr_initializer())
        self.to_logit = layers.Dense(1, use_bias=False, kernel_initializer=msr_initializer())

    def call(self, images, training=False):
        x = self.from_image(images)
        for index, blocks in enumerate(self.stages):
            for block in blocks:
                x = block(x)
            if index < self.num_stages - 1:
                x = downsample(x)
        return self.to_logit(ops.reshape(self.basis(x), (-1, self.width)))
