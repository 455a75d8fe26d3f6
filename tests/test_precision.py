"""Mixed precision: every core recipe trains under each policy, loss scaling reaches the inner
gradients of the penalties, and exports are float32 whatever the run used."""

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the backend before keras is imported)
import keras  # noqa: E402
from keras import ops  # noqa: E402

from keras_gans.assembly import build_gan, dtype_policy  # noqa: E402
from keras_gans.config import load_recipe  # noqa: E402
from keras_gans.regularizers.base import PenaltyInputs  # noqa: E402
from recipe_helpers import auto_precision_on_this_cpu  # noqa: E402

CORE = ["gan", "dcgan", "wgan", "wgan_gp", "lsgan", "sngan", "r1"]
TINY = dict(batch_size=8, generator_width=8, discriminator_width=8, generator_units=[32],
            discriminator_units=[32], latent_dim=8, seed=0, jit_compile=False, log_every=4)


def images(n):
    return np.random.default_rng(0).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("recipe", CORE)
def test_every_core_recipe_trains_with_finite_losses(recipe, precision):
    keras.utils.set_random_seed(0)
    config = load_recipe(recipe, precision=precision, **TINY).validate()
    model = build_gan(config, (28, 28, 1))
    assert model.generator.dtype_policy.name == precision
    assert model.discriminator.dtype_policy.name == precision
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
    scaled = isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (precision == "mixed_float16")
    batch = config.batch_size * config.d_steps
    model.fit(images(4 * batch), batch_size=batch, epochs=1, steps_per_epoch=4, verbose=0, shuffle=False)
    steps = ops.convert_to_numpy(model.recent_steps)
    assert np.all(np.isfinite(steps)), dict(zip(model.logged_names, steps.T.tolist()))
    assert int(ops.convert_to_numpy(model.step)) == 4
    # Variables stay float32 under a mixed policy; samples come out float32.
    assert all(w.dtype == "float32" for w in model.generator.trainable_weights)
    assert ops.convert_to_numpy(model.preview(4)).dtype == np.float32


def test_loss_scale_keeps_inner_penalty_gradients_from_flushing_to_zero():
    # D(x) = 1e-4 * sum(1e-4 * x): the input gradient 1e-8 is below float16's smallest
    # subnormal (6e-8), so an unscaled float16 backward pass returns 0.
    with dtype_policy("mixed_float16"):
        critic = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, use_bias=False),
                                   keras.layers.Dense(1, use_bias=False)])
    critic.layers[0].kernel.assign(np.full((4, 1), 1e-4, "float32"))
    critic.layers[1].kernel.assign(np.full((1, 1), 1e-4, "float32"))
    x = ops.convert_to_tensor(np.ones((3, 4), "float32"))
    unscaled = ops.convert_to_numpy(PenaltyInputs(critic, x, x).gradients_at(x))
    scaled = ops.convert_to_numpy(PenaltyInputs(critic, x, x, gradient_scale=2.0 ** 15).gradients_at(x))
    assert np.all(unscaled == 0.0)
    np.testing.assert_allclose(scaled, 1e-8, rtol=0.02)


@pytest.mark.skipif(keras.distribution.list_devices()[0].lower()[:3] != "cpu", reason="runs the CPU rule")
def test_auto_precision_is_bfloat16_only_on_a_cpu_with_bfloat16_arithmetic():
    # TensorFlow's oneDNN kernels compute bfloat16 natively with AVX512_BF16 or AMX; XLA's CPU
    # backend (JAX) was not measured faster in bfloat16, so it keeps float32 on every CPU.
    expected = auto_precision_on_this_cpu(keras.backend.backend())
    config = load_recipe("dcgan", **TINY).validate()
    assert config.precision == "auto"  # the recipe's default
    model = build_gan(config, (28, 28, 1))
    assert model.generator.dtype_policy.name == expected
    assert model.discriminator.dtype_policy.name == expected
    # An explicit policy is taken as given, and export builds float32 networks whatever "auto" chose.
    assert build_gan(config.replace(precision="float32"), (28, 28, 1)).generator.dtype_policy.name == "float32"
    assert build_gan(config, (28, 28, 1), precision="float32").generator.dtype_policy.name == "float32"


@pytest.mark.parametrize("precision", ["mixed_float16", "mixed_bfloat16"])
@pytest.mark.parametrize("extra", [dict(instance_noise=0.1, instance_noise_steps=8), dict(augment="diffaugment"),
                                   dict(augment="ada", augment_options={"p": 0.5, "interval": 1})])
def test_what_discriminator_sees_mixes_float32_reals_with_reduced_precision_fakes(precision, extra):
    # The reals reach D in float32, the fakes in the compute dtype: noise and augmentation take both.
    keras.utils.set_random_seed(0)
    config = load_recipe("dcgan", precision=precision, **TINY, **extra).validate()
    model = build_gan(config, (28, 28, 1))
    model.fit(images(4 * config.batch_size), batch_size=config.batch_size, epochs=1, steps_per_epoch=4,
              verbose=0, shuffle=False)
    steps = ops.convert_to_numpy(model.recent_steps)
    assert np.all(np.isfinite(steps)), dict(zip(model.logged_names, steps.T.tolist()))
    assert int(ops.convert_to_numpy(model.step)) == 4
