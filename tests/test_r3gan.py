"""R3GAN networks (shapes, initialization, resampling filters, double backprop under XLA) and the
r3gan recipe's configuration."""

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the backend before keras is imported)
from keras_gans.config import load_recipe
from keras_gans.errors import ConfigError
from keras_gans.networks import R3GANDiscriminator, R3GANGenerator, build_networks
from keras_gans.networks.r3gan import R3GANResidualBlock, downsample, upsample
from keras_gans.regularizers.gamma import auto_gamma, resolve_gamma

import keras  # noqa: E402

TINY = dict(width=16, blocks_per_stage=1)


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (64, 64, 3)])
def test_shapes_for_every_supported_image_size(shape):
    generator, discriminator = R3GANGenerator(8, shape, **TINY), R3GANDiscriminator(shape, **TINY)
    images = generator(keras.random.normal((2, 8), seed=0))
    assert images.shape == (2, *shape)
    assert discriminator(images).shape == (2, 1)
    assert generator.num_stages == {28: 3, 32: 4, 64: 5}[shape[0]]


def test_config_round_trip_gives_the_same_network():
    generator = R3GANGenerator(8, (28, 28, 1), width=32, blocks_per_stage=2, group_width=8)
    z = keras.random.normal((3, 8), seed=1)
    expected = keras.ops.convert_to_numpy(generator(z))
    clone = R3GANGenerator.from_config(generator.get_config())
    clone(z)
    clone.set_weights(generator.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(clone(z)), expected, rtol=1e-5, atol=1e-6)
    assert len(generator.weights) == 2 + 3 * 2 * 5 + 1  # basis, modulation, 3 stages x 2 blocks x 5, output
    assert clone.get_config()["group_width"] == 8 and clone.get_config()["latent_dim"] == 8


def test_residual_blocks_start_as_the_identity_with_msr_scaled_branches():
    block = R3GANResidualBlock(64, cardinality=8, expansion=2, network_blocks=16)
    x = keras.random.normal((2, 8, 8, 64), seed=2)
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(block(x)), keras.ops.convert_to_numpy(x))      # the projection starts at zero
    # Fan-in initialization with the leaky ReLU's gain times L^(-1/4): 1x1 64 -> 128, L = 16.
    expected = np.sqrt(2 / 1.04) * 16 ** -0.25 / np.sqrt(64)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(block.expand.kernel).std(), expected, rtol=0.05)
    # The grouped 3x3 convolution sees 128 / 8 = 16 channels per group: fan-in 9 * 16.
    assert block.grouped.kernel.shape == (3, 3, 16, 128)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(block.grouped.kernel).std(), np.sqrt(2 / 1.04) * 0.5 / 12, rtol=0.05)
    assert not np.any(keras.ops.convert_to_numpy(block.expand.bias))


def numpy_resample(x, up):
    """upfirdn2d with the [1, 3, 3, 1] / 8 filter, zero padding, one axis at a time."""
    taps = np.array([1.0, 3.0, 3.0, 1.0]) / 8
    for axis in (1, 2):
        moved = np.moveaxis(x, axis, -1)
        n = moved.shape[-1]
        if up:
            stuffed = np.zeros(moved.shape[:-1] + (2 * n,))
            stuffed[..., ::2] = moved
            padded = np.pad(stuffed, [(0, 0)] * (moved.ndim - 1) + [(2, 1)])
            out = 2 * sum(taps[k] * padded[..., k:k + 2 * n] for k in range(4))
        else:
            padded = np.pad(moved, [(0, 0)] * (moved.ndim - 1) + [(1, 1)])
            out = sum(taps[k] * padded[..., k:k + n:2] for k in range(4))
        x = np.moveaxis(out, -1, axis)
    return x


def test_resampling_matches_the_upfirdn2d_filter():
    x = np.random.default_rng(0).normal(size=(2, 6, 4, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(upsample(x)), numpy_resample(x, up=True), atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(downsample(x)), numpy_resample(x, up=False), atol=1e-5)


@pytest.mark.tensorflow
def test_r1_double_backprop_compiles_under_xla():
    import tensorflow as tf

    from keras_gans.backend import input_gradients

    discriminator = R3GANDiscriminator((28, 28, 1), **TINY)
    images = tf.random.normal((2, 28, 28, 1))
    discriminator(images)

    @tf.function(jit_compile=True)
    def penalty_gradients(x):
        with tf.GradientTape() as tape:
            gradients = input_gradients(discriminator, x)
            penalty = tf.reduce_mean(tf.reduce_sum(tf.square(gradients), axis=[1, 2, 3]))
        return tape.gradient(penalty, discriminator.trainable_variables)

    grads = penalty_gradients(images)
    assert all(g is not None and np.all(np.isfinite(keras.ops.convert_to_numpy(g))) for g in grads)


def test_recipe_builds_the_paper_networks_and_loss(tiny):
    config = load_recipe("r3gan", **{k: v for k, v in tiny.items() if k not in ("generator_units", "discriminator_units")})
    config.validate()
    assert (config.objective, config.networks, config.ema_kimg) == ("rpgan", "r3gan", 10.0)
    assert config.regularizers == {"r1": {"gamma": 0.05}, "r2": {"gamma": 0.05}}
    generator, discriminator = build_networks(config, (28, 28, 1))
    assert isinstance(generator, R3GANGenerator) and generator.blocks_per_stage == 2
    assert discriminator(generator(keras.random.normal((2, config.latent_dim)))).shape == (2, 1)


def test_auto_gamma_is_stylegan2_adas_heuristic():
    assert auto_gamma(28, 64) == pytest.approx(0.0002 * 784 / 64)
    assert resolve_gamma({"gamma": "auto", "every": 4}, (32, 32, 3), 128) == {"gamma": 0.0002 * 1024 / 128, "every": 4}
    assert resolve_gamma({"gamma": 3.0}, (28, 28, 1), 64) == {"gamma": 3.0}
    with pytest.raises(ConfigError, match="'auto'"):
        resolve_gamma({"gamma": "big"}, (28, 28, 1), 64)
    assert load_recipe("r1").validate().regularizers["r1"]["gamma"] == "auto"


@pytest.mark.parametrize("overrides, message", [
    ({"augment": "diffaugmnt"}, "Did you mean 'diffaugment'"),
    ({"augment_options": {"target": 0.6}}, "need an augmentation"),
    ({"augment": "ada", "augment_options": {"targt": 0.6}}, "Did you mean 'target'"),
    ({"ema_kimg": 10.0, "ema_decay": 0.999}, "not both"),
    ({"ema_rampup": 0.05}, "needs ema_kimg"),
    ({"ema_kimg": -10.0}, "half-life"),  # 0 is allowed: it switches the half-life off
    ({"networks": "r3gan", "feature_matching": 1.0}, "logits only"),
    ({"regularizers": {"r1": {"gamma": "large"}}, "discriminator_norm": "none"}, "'auto'"),
])
def test_bad_settings_are_clear_errors(overrides, message):
    # lsgan keeps no EMA generator (dcgan's own ema_kimg would make a lone ema_rampup valid).
    with pytest.raises(ConfigError, match=message):
        load_recipe("lsgan", **overrides).validate()
