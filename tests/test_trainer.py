"""The adversarial trainer: every recipe trains, seeds repeat, schedules and tricks do what they say."""

import math

import keras
import numpy as np
import pytest

import keras_gans
from keras_gans.networks import MLPDiscriminator, MLPGenerator
from keras_gans.trainer import GAN

CORE_RECIPES = ["gan", "dcgan", "wgan", "wgan_gp", "lsgan", "sngan", "r1"]


def per_step_history(result):
    # With steps_per_epoch=1 every history entry is one step's values (trackers reset each epoch).
    return result.history.history


@pytest.mark.parametrize("recipe", CORE_RECIPES)
def test_every_recipe_trains_20_steps_on_fashion_mnist(recipe, tiny, tmp_path):
    result = keras_gans.fit(recipe, dataset="fashion_mnist", steps=20, seed=1, run_dir=tmp_path,
                            tensorboard=False, sample_every=0, verbose=0, **tiny)
    history = result.history.history
    config = result.config
    expected = {"d_loss", "g_loss", "real_score", "fake_score", "d_grad_norm", "g_grad_norm"}
    expected |= {r.name for r in result.model.regularizers if r.adds_penalty}
    assert "clip" not in history  # weight clipping adds no loss term, so no (always-zero) metric
    assert expected <= set(history)
    for name, values in history.items():
        assert all(math.isfinite(v) for v in values), f"{recipe}: {name} = {values}"
    assert int(result.model.step.numpy()) == 20
    # n_critic: the critic made d_steps updates per generator update.
    assert int(result.model.d_optimizer.iterations.numpy()) == 20 * config.d_steps
    assert int(result.model.g_optimizer.iterations.numpy()) == 20
    images = result.sample(4, seed=0)
    assert images.shape == (4, 28, 28, 1)
    assert images.min() >= -1.0 and images.max() <= 1.0
    assert (tmp_path / "samples" / "final.png").stat().st_size > 100


@pytest.mark.parametrize("recipe", CORE_RECIPES)
def test_every_recipe_trains_under_xla(recipe, tiny, tmp_path):
    # XLA is the default wherever it pays (JAX, a GPU) and forced here, so the compiled path is
    # tested on a CPU too. Its random draws differ from the non-XLA kernels' (TF picks another
    # generator algorithm), so the runs are compared for health, not equality.
    result = keras_gans.fit(recipe, dataset="fashion_mnist", steps=3, seed=4, run_dir=tmp_path, verbose=0,
                            **dict(tiny, jit_compile=True, tensorboard=False, sample_every=0))
    assert result.model.jit_compile is True
    for name, values in result.history.history.items():
        assert all(math.isfinite(v) for v in values), f"{recipe}: {name} = {values}"
    assert int(result.model.step.numpy()) == 3


def test_jit_compile_auto_compiles_with_xla_on_jax_or_an_accelerator_only(tiny, tmp_path):
    del tiny["jit_compile"]  # the recipe's default, "auto"
    result = keras_gans.fit("dcgan", dataset="fashion_mnist", steps=2, seed=0, run_dir=tmp_path, verbose=0,
                            **dict(tiny, tensorboard=False, sample_every=0))
    assert result.config.jit_compile == "auto"
    if keras.backend.backend() == "jax":
        expected = True
    else:
        import tensorflow as tf

        expected = any(device.device_type != "CPU" for device in tf.config.list_physical_devices())
    assert result.model.jit_compile is expected
    assert int(result.model.step.numpy()) == 2


def fit_per_step(recipe, tmp_path, tiny, steps=4, **overrides):
    settings = dict(tiny, steps_per_epoch=1, tensorboard=False, sample_every=0)
    settings.update(overrides)
    return keras_gans.fit(recipe, dataset="fashion_mnist", steps=steps, run_dir=tmp_path,
                          verbose=0, **settings)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_same_seed_repeats_the_same_losses(jit_compile, tiny, tmp_path):
    tiny["jit_compile"] = jit_compile
    first = per_step_history(fit_per_step("wgan_gp", tmp_path / "a", tiny, seed=7))
    second = per_step_history(fit_per_step("wgan_gp", tmp_path / "b", tiny, seed=7))
    other = per_step_history(fit_per_step("wgan_gp", tmp_path / "c", tiny, seed=8))
    for name in ("d_loss", "g_loss", "gp"):
        np.testing.assert_array_equal(first[name], second[name])
    assert first["d_loss"] != other["d_loss"]


def test_lazy_regularizer_runs_every_kth_step_scaled_by_k(tiny, tmp_path):
    lazy = per_step_history(fit_per_step("r1", tmp_path / "lazy", tiny, steps=4, seed=0,
                                         **{"regularizers.r1.every": 2}))
    eager = per_step_history(fit_per_step("r1", tmp_path / "eager", tiny, steps=1, seed=0))
    r1 = lazy["r1"]
    assert r1[1] == 0 and r1[3] == 0 and r1[2] > 0
    # Step 0 starts from the same weights and draws in both runs: the lazy term is k = 2 times
    # the eager one, so its average strength over k steps is unchanged.
    assert r1[0] == pytest.approx(2.0 * eager["r1"][0], rel=1e-5)


def test_weight_clipping_keeps_the_critic_inside_the_box(tiny, tmp_path):
    result = fit_per_step("wgan", tmp_path, tiny, steps=3, seed=0)
    for variable in result.model.discriminator.trainable_variables:
        assert np.abs(keras.ops.convert_to_numpy(variable)).max() <= 0.01 + 1e-7


def test_ema_generator_averages_the_generators_weights():
    generator = MLPGenerator(4, (2,), units=(8,), output_activation=None)
    discriminator = MLPDiscriminator(units=(8,), dropout=0.0)
    gan = GAN(generator, discriminator, latent_dim=4, ema_decay=0.9, seed=0)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.1), d_optimizer=keras.optimizers.SGD(0.1))
    before = [keras.ops.convert_to_numpy(w) for w in generator.weights]
    np.testing.assert_array_equal(before[0], keras.ops.convert_to_numpy(gan.ema_generator.weights[0]))
    gan.fit(np.random.default_rng(0).normal(size=(8, 2)).astype("float32"), batch_size=8, epochs=1, verbose=0)
    after = [keras.ops.convert_to_numpy(w) for w in generator.weights]
    ema = [keras.ops.convert_to_numpy(w) for w in gan.ema_generator.weights]
    assert not np.allclose(before[0], after[0])
    for b, a, e in zip(before, after, ema):
        np.testing.assert_allclose(e, 0.9 * b + 0.1 * a, rtol=1e-5, atol=1e-7)
    assert gan.sampler is gan.ema_generator


def test_label_smoothing_trains_with_finite_losses(tiny, tmp_path):
    tricked = per_step_history(fit_per_step("dcgan", tmp_path, tiny, steps=2, seed=3, label_smoothing=0.1))
    assert all(math.isfinite(v) for v in tricked["d_loss"] + tricked["g_loss"])


def constant_generator(latent_dim, value=0.3):
    # Ignores z, so the fake batch (and its logits) can be computed outside the train step.
    return keras.Sequential([
        keras.Input((latent_dim,)),
        keras.layers.Dense(64, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(value)),
        keras.layers.Reshape((8, 8, 1)),
    ])


def test_label_smoothing_feeds_smoothed_targets_to_the_objective():
    from keras_gans.objectives import non_saturating_discriminator_loss

    generator = constant_generator(4)
    discriminator = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                                      keras.layers.Dense(1, kernel_initializer="ones")])
    gan = GAN(generator, discriminator, latent_dim=4, label_smoothing=0.1, seed=0)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.0), d_optimizer=keras.optimizers.SGD(0.0))
    real = np.full((4, 8, 8, 1), 0.01, "float32")
    logs = gan.train_on_batch(real, return_dict=True)
    real_logits, fake_logits = discriminator(real), discriminator(generator(np.zeros((4, 4), "float32")))
    smoothed = non_saturating_discriminator_loss(real_logits, fake_logits, real_targets=0.9)
    hard = non_saturating_discriminator_loss(real_logits, fake_logits)
    assert logs["d_loss"] == pytest.approx(float(smoothed), rel=1e-5)
    assert abs(float(smoothed) - float(hard)) > 1e-3


class ShapeRecordingCritic(keras.Model):
    """A test critic that remembers the batch shapes it was traced with."""

    def __init__(self):
        super().__init__()
        self.shapes = []
        self.dense = keras.layers.Dense(1)

    def call(self, x, training=False):
        self.shapes.append(tuple(x.shape))
        return self.dense(keras.ops.reshape(x, (-1, 64)))


def frozen_gan(discriminator, **kwargs):
    """A GAN whose players do not move (SGD at rate 0), so a step's logs are plain functions of
    the batch and the trainer's own draws."""
    gan = GAN(constant_generator(4), discriminator, latent_dim=4, seed=0, **kwargs)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.0), d_optimizer=keras.optimizers.SGD(0.0))
    return gan


def linear_critic():
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(1, kernel_initializer="ones")])


def test_label_flip_swaps_the_targets_it_draws():
    from keras_gans.objectives import non_saturating_discriminator_loss

    critic = linear_critic()
    gan = frozen_gan(critic, label_flip=1.0)  # every target drawn for flipping is flipped
    real = np.full((4, 8, 8, 1), 0.01, "float32")
    logs = gan.train_on_batch(real, return_dict=True)
    real_logits, fake_logits = critic(real), critic(constant_generator(4)(np.zeros((4, 4), "float32")))
    flipped = non_saturating_discriminator_loss(real_logits, fake_logits, real_targets=0.0, fake_targets=1.0)
    hard = non_saturating_discriminator_loss(real_logits, fake_logits)
    assert logs["d_loss"] == pytest.approx(float(flipped), rel=1e-5)
    assert abs(float(flipped) - float(hard)) > 1e-2


def test_instance_noise_has_its_stddev_and_anneals_to_zero():
    # D(x) = sum(x^2) on zero images scores the noise alone: E[sum(n^2)] = pixels * stddev^2.
    # With 64 pixels x 256 images the estimate is within about 1.1% (sd of a chi-square mean).
    critic = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Flatten(),
                               keras.layers.Lambda(lambda x: keras.ops.sum(keras.ops.square(x), axis=1, keepdims=True)),
                               keras.layers.Dense(1, kernel_initializer="ones", use_bias=False)])
    gan = frozen_gan(critic, objective="wasserstein", instance_noise=0.1, instance_noise_steps=2)
    real = np.zeros((256, 8, 8, 1), "float32")
    scores = [gan.train_on_batch(real, return_dict=True)["real_score"] for _ in range(3)]
    assert scores[0] == pytest.approx(64 * 0.1**2, rel=0.05)
    assert scores[1] == pytest.approx(64 * 0.05**2, rel=0.05)  # halfway through the annealing
    assert scores[2] == pytest.approx(0.0, abs=1e-6)


class ShapeRecordingCritic(keras.Model):
    """A critic D(x) = mean(x) that remembers the batch shapes it was traced with."""

    def __init__(self):
        super().__init__()
        self.shapes = []
        self.dense = keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(1 / 64), use_bias=False)

    def call(self, x, training=False):
        self.shapes.append(tuple(x.shape))
        return self.dense(keras.ops.reshape(x, (-1, 64)))


def test_d_steps_gives_each_critic_step_its_own_slice_of_the_batch():
    critic = ShapeRecordingCritic()
    gan = GAN(constant_generator(4), critic, latent_dim=4, objective="wasserstein", d_steps=5, seed=0)
    gan.compile(g_optimizer=keras.optimizers.SGD(0.0), d_optimizer=keras.optimizers.SGD(0.0))
    critic.shapes.clear()
    # Example i is an image of value i: each critic step's mean score is the mean of the examples
    # it saw, and the five scores average to the batch mean (39.5) only if no slice repeats.
    batch = np.repeat(np.arange(80, dtype="float32"), 64).reshape(80, 8, 8, 1)
    logs = gan.train_on_batch(batch, return_dict=True)
    assert critic.shapes and set(critic.shapes) == {(16, 8, 8, 1)}
    assert logs["real_score"] == pytest.approx(39.5, rel=1e-6)
    assert int(gan.d_optimizer.iterations.numpy()) == 5 and int(gan.g_optimizer.iterations.numpy()) == 1


def test_d_steps_slices_are_strided_so_replicas_see_the_same_examples():
    from keras_gans.trainer.gan import _split_batch

    slices = _split_batch(np.arange(12, dtype="float32"), 3)
    np.testing.assert_array_equal(np.stack([keras.ops.convert_to_numpy(s) for s in slices]),
                                  [[0, 3, 6, 9], [1, 4, 7, 10], [2, 5, 8, 11]])
