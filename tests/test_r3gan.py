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


def test_widths_per_stage_run_from_the_base_grid_up_in_both_networks():
    widths = [32, 16, 8]  # 7x7, 14x14, 28x28
    generator = R3GANGenerator(8, (28, 28, 1), width=widths, blocks_per_stage=[2, 1, 0], group_width=8)
    discriminator = R3GANDiscriminator((28, 28, 1), width=widths, blocks_per_stage=[2, 1, 0], group_width=8)
    images = generator(keras.random.normal((2, 8), seed=0))
    assert images.shape == (2, 28, 28, 1) and discriminator(images).shape == (2, 1)
    assert generator.basis.shape == (7, 7, 32)
    assert [[b.channels for b in blocks] for blocks in generator.stages] == [[32, 32], [16], []]
    # Each block's groups stay group_width wide: 2 * 32 / 8 and 2 * 16 / 8.
    assert [b.cardinality for blocks in generator.stages for b in blocks] == [8, 8, 4]
    # The 1x1 transitions map 32 -> 16 -> 8 in G and 8 -> 16 -> 32 in D, which reads the list backwards.
    assert [t.kernel.shape for t in generator.transitions] == [(1, 1, 32, 16), (1, 1, 16, 8)]
    assert discriminator.from_image.kernel.shape == (1, 1, 1, 8)
    assert [t.kernel.shape for t in discriminator.transitions] == [(1, 1, 8, 16), (1, 1, 16, 32)]
    assert [[b.channels for b in blocks] for blocks in discriminator.stages] == [[], [16], [32, 32]]
    assert discriminator.basis.kernel.shape == (7, 7, 32, 1)
    # L counts the blocks of the whole network: 3, so a branch's gain carries 3 ** -1/4.
    assert generator.network_blocks == 3
    expected = np.sqrt(2 / 1.04) * 3 ** -0.25 / np.sqrt(32)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(generator.stages[0][0].expand.kernel).std(), expected, rtol=0.1)
    clone = R3GANDiscriminator.from_config(discriminator.get_config())
    clone(images)
    clone.set_weights(discriminator.get_weights())
    np.testing.assert_allclose(keras.ops.convert_to_numpy(clone(images)),
                               keras.ops.convert_to_numpy(discriminator(images)), rtol=1e-5, atol=1e-6)
    assert clone.get_config()["width"] == widths and clone.get_config()["blocks_per_stage"] == [2, 1, 0]


@pytest.mark.parametrize("shape, widths", [((28, 28, 1), (32, 16, 8)), ((32, 32, 3), (32, 32, 16, 8)),
                                           ((64, 64, 3), (32, 32, 32, 16, 8))])
def test_a_short_list_names_the_stages_nearest_the_image(shape, widths):
    generator = R3GANGenerator(8, shape, width=[32, 16, 8], blocks_per_stage=[2, 1])
    discriminator = R3GANDiscriminator(shape, width=[32, 16, 8], blocks_per_stage=[2, 1])
    assert generator.stage_widths == discriminator.stage_widths == widths
    assert generator.stage_blocks == (2,) * (len(widths) - 1) + (1,)
    assert discriminator(generator(keras.random.normal((1, 8), seed=0))).shape == (1, 1)


def test_equal_widths_need_no_transition():
    generator = R3GANGenerator(8, (32, 32, 3), width=[16, 16, 8, 8], blocks_per_stage=1)
    assert [type(t).__name__ for t in generator.transitions] == ["Identity", "Conv2D", "Identity"]
    assert generator(keras.random.normal((1, 8), seed=0)).shape == (1, 32, 32, 3)


@pytest.mark.parametrize("options, message", [
    ({"width": [64, 32, 16, 8]}, r"width lists 4 stages, but these images take 3 \(7x7, 14x14, 28x28\)"),
    ({"width": 16, "blocks_per_stage": [1, 1, 1, 1]}, "blocks_per_stage lists 4 stages"),
    ({"width": []}, "width lists 0 stages"),
    ({"width": 64.5}, "width must be an int or a list of ints"),
    ({"width": [32, 16, 12]}, r"every stage's width \* expansion \(12 \* 2\) divisible by group_width \(16\)"),
    ({"width": 16, "blocks_per_stage": [1, -1, 1]}, ">= 0"),
])
def test_bad_stage_plans_are_clear_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        R3GANGenerator(8, (28, 28, 1), **options)


def test_a_recipe_takes_stage_lists_only_for_r3gan():
    config = load_recipe("r3gan", generator_width=[16, 8, 8], discriminator_width=(8, 8, 16),
                         blocks_per_stage=[1, 0, 1]).validate()
    assert (config.generator_width, config.discriminator_width) == ([16, 8, 8], [8, 8, 16])
    generator, discriminator = build_networks(config, (28, 28, 1))
    assert generator.stage_widths == (16, 8, 8) and discriminator.stage_widths == (8, 8, 16)
    assert generator.stage_blocks == (1, 0, 1)
    with pytest.raises(ConfigError, match="one value per stage is for networks=r3gan; networks=dcgan"):
        load_recipe("dcgan", generator_width=[64, 32]).validate()
    with pytest.raises(ConfigError, match=r"generator_width must be an int, or for networks=r3gan a list of ints"):
        load_recipe("r3gan", generator_width=[64, "wide"])
    with pytest.raises(ConfigError, match="discriminator_width must be a positive integer"):
        load_recipe("r3gan", discriminator_width=[64, 0, 16]).validate()


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
    assert config.regularizers == {"r1": {"gamma": 0.05, "every": 4}, "r2": {"gamma": 0.05, "every": 4}}
    generator, discriminator = build_networks(config, (28, 28, 1))
    assert isinstance(generator, R3GANGenerator) and generator.blocks_per_stage == 1
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
