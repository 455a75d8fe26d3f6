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
import numbers

import keras
import numpy as np
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


# upfirdn2d's [1, 3, 3, 1] resampling as depthwise convolutions with fixed kernels. On TensorFlow
# without XLA (a CPU's default) they ran the CPU-sized r3gan recipe's step 2x faster than the same
# filter written as strided slices and weighted sums (3.91 against 1.91 steps/s, 2-core CPU, 28x28,
# R1 and R2 every step), whose slice gradients dominate R1's and R2's double backpropagation.
_TAPS = np.array([1.0, 3.0, 3.0, 1.0]) / 8.0
# Upsampling's two output phases per axis: even pixels are 0.25 * previous + 0.75 * current,
# odd ones 0.75 * current + 0.25 * next (the taps above, doubled, over the zero-stuffed input).
_PHASES = np.array([[0.25, 0.75, 0.0], [0.0, 0.75, 0.25]])


def _depthwise(x, taps, strides=1):
    """Each channel convolved with the same `taps` `[k, k, multiplier]`, after one pixel of zero padding."""
    kernel = np.broadcast_to(taps[:, :, None, :], (*taps.shape[:2], x.shape[-1], taps.shape[-1]))
    padded = ops.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    return ops.depthwise_conv(padded, ops.cast(kernel, x.dtype), strides=strides, padding="valid")


def upsample(x):
    """2x upsampling with the [1, 3, 3, 1] filter and zero padding (upfirdn2d's `upsample2d`): the
    four output phases of each input pixel as a depthwise convolution, then interleaved."""
    _, height, width, channels = x.shape
    phases = np.einsum("ai,bj->ijab", _PHASES, _PHASES).reshape(3, 3, 4)  # [row tap, column tap, phase]
    y = ops.reshape(_depthwise(x, phases), (-1, height, width, channels, 2, 2))
    y = ops.transpose(y, (0, 1, 4, 2, 5, 3))  # [batch, row, row phase, column, column phase, channel]
    return ops.reshape(y, (-1, 2 * height, 2 * width, channels))


def downsample(x):
    """2x downsampling with the [1, 3, 3, 1] filter and zero padding (upfirdn2d's `downsample2d`)."""
    return _depthwise(x, np.outer(_TAPS, _TAPS)[:, :, None], strides=2)


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


def _per_stage(name, value, num_stages, grids):
    """One int per stage, base grid first: a number serves every stage; a list names the stages
    nearest the image, and any stage below its first entry repeats that entry, so one list fits
    every resolution (`[64, 32, 16]` is 64, 32, 16 at 28x28 and 64, 64, 32, 16 at 32x32)."""
    def whole(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)

    if whole(value):
        return (int(value),) * num_stages
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or not all(whole(v) for v in value):
        raise ConfigError(f"R3GAN {name} must be an int or a list of ints, one per stage; got {value!r}.")
    values = tuple(int(v) for v in value)
    if not values or len(values) > num_stages:
        listed = ", ".join(f"{h}x{w}" for h, w in grids)
        raise ConfigError(f"R3GAN {name} lists {len(values)} stages, but these images take {num_stages} "
                          f"({listed}): give at most one value per stage, ending at the image's resolution, "
                          f"or a single number.")
    return (values[0],) * (num_stages - len(values)) + values


class _R3GANNetwork(keras.Model):
    """What R3GAN's generator and discriminator share: the stage plan and the residual blocks.

    `width` and `blocks_per_stage` are a number for every stage or a list, one entry per stage
    from the base grid up to the image (the same order for both networks, so one list gives G and
    D the same width at each resolution), as the repository's `WidthPerStage`/`BlocksPerStage`. A
    list shorter than the stages names those nearest the image; the ones below repeat its first.
    """

    def __init__(self, image_shape, width, blocks_per_stage, expansion, group_width, kernel_size, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(int(d) for d in image_shape)
        self.expansion, self.group_width, self.kernel_size = int(expansion), int(group_width), int(kernel_size)
        base_h, base_w, upsamplings = resolution_plan(self.image_shape)
        self.base_shape = (base_h, base_w)
        self.num_stages = upsamplings + 1
        grids = [(base_h * 2**i, base_w * 2**i) for i in range(self.num_stages)]
        self.stage_widths = _per_stage("width", width, self.num_stages, grids)
        self.stage_blocks = _per_stage("blocks_per_stage", blocks_per_stage, self.num_stages, grids)
        # As given (a number or a list), for get_config.
        self.width = width if isinstance(width, int) else list(self.stage_widths)
        self.blocks_per_stage = blocks_per_stage if isinstance(blocks_per_stage, int) else list(self.stage_blocks)
        for stage_width in self.stage_widths:
            if stage_width < 1 or stage_width * self.expansion % self.group_width:
                raise ConfigError(f"R3GAN networks need every stage's width * expansion ({stage_width} * "
                                  f"{self.expansion}) divisible by group_width ({self.group_width}); e.g. "
                                  f"widths 32, 64, 96 or 128 with group_width 16.")
        if min(self.stage_blocks) < 0:
            raise ConfigError(f"blocks_per_stage must be >= 0; got {list(self.stage_blocks)}.")
        self.network_blocks = max(1, sum(self.stage_blocks))

    def _blocks(self, stage):
        width = self.stage_widths[stage]
        return [R3GANResidualBlock(width, width * self.expansion // self.group_width, self.expansion,
                                   self.kernel_size, self.network_blocks) for _ in range(self.stage_blocks[stage])]

    def _transition(self, source, target):
        """The 1x1 convolution between stages of different widths (identity where they match)."""
        return _conv(self.stage_widths[target], 1) if self.stage_widths[source] != self.stage_widths[target] \
            else layers.Identity()

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
        width:            channels of every stage (768 for CIFAR-10 in the paper), or a list, one
                          per stage from the base grid up (see `_R3GANNetwork`).
        blocks_per_stage: residual blocks per stage (2), or a list like `width`.
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
        self.basis = self.add_weight(shape=(*self.base_shape, self.stage_widths[0]), name="basis",
                                     initializer=keras.initializers.RandomNormal(stddev=1.0))
        self.modulation = layers.Dense(self.stage_widths[0], use_bias=False, kernel_initializer=msr_initializer())
        self.stages = [self._blocks(stage) for stage in range(self.num_stages)]
        self.transitions = [self._transition(stage - 1, stage) for stage in range(1, self.num_stages)]
        self.to_image = _conv(self.image_shape[-1], 1)

    def call(self, z, training=False):
        x = self.basis[None] * self.modulation(z)[:, None, None, :]
        for index, blocks in enumerate(self.stages):
            if index:
                # Width first, then resolution: the 1x1 convolution runs on the smaller grid.
                x = upsample(self.transitions[index - 1](x))
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
        # Stages run from the image down to the base grid: stage_widths read backwards.
        top = self.num_stages - 1
        self.from_image = _conv(self.stage_widths[top], 1)
        self.stages = [self._blocks(stage) for stage in range(top, -1, -1)]
        self.transitions = [self._transition(stage, stage - 1) for stage in range(top, 0, -1)]
        self.basis = layers.DepthwiseConv2D(self.base_shape, padding="valid", use_bias=False,
                                            depthwise_initializer=msr_initializer())
        self.to_logit = layers.Dense(1, use_bias=False, kernel_initializer=msr_initializer())

    def call(self, images, training=False):
        x = self.from_image(images)
        for index, blocks in enumerate(self.stages):
            for block in blocks:
                x = block(x)
            if index < self.num_stages - 1:
                # Resolution first, then width: the 1x1 convolution runs on the smaller grid.
                x = self.transitions[index](downsample(x))
        return self.to_logit(ops.reshape(self.basis(x), (-1, self.stage_widths[0])))
