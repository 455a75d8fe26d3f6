"""Regularizers on critics whose input gradients are known in closed form."""

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras is imported)
from keras_gans.backend import loss_gradients
from keras_gans.errors import ConfigError
from keras_gans.regularizers.base import PenaltyInputs
from keras_gans.regularizers import (
    REGULARIZERS,
    GradientPenalty,
    LeCamRegularizer,
    R1Penalty,
    R2Penalty,
    WeightClipping,
    get_regularizer,
)

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402  (only to check graph mode with an unknown batch size)
from keras import ops  # noqa: E402

RNG = np.random.default_rng(0)
SHAPES = [(5, 4, 4, 3), (7, 2)]  # images, and 2-D toy data


def linear_critic(weights):
    """D(x) = <w, x> per example; its input gradient is w everywhere."""
    w = ops.convert_to_tensor(weights, "float32")
    return lambda x: ops.sum(x * w, axis=tuple(range(1, len(x.shape))))


def penalty_of(regularizer, critic, real, fake, seed_generator=None):
    return regularizer.discriminator_penalty(PenaltyInputs(critic, real, fake, seed_generator=seed_generator))


def random(shape, scale=1.0):
    return (RNG.normal(size=shape) * scale).astype("float32")


def unit(shape, norm=1.0):
    w = random(shape)
    return w * norm / np.linalg.norm(w)


@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_penalty_of_unit_norm_linear_critic_is_zero(shape):
    critic = linear_critic(unit(shape[1:]))
    penalty = penalty_of(GradientPenalty(),
        critic, random(shape, 3), random(shape, 3), keras.random.SeedGenerator(1)
    )
    assert float(penalty) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_penalty_of_norm_two_linear_critic_is_one(shape):
    # (||w|| - 1)^2 = (2 - 1)^2 at every interpolate.
    critic = linear_critic(unit(shape[1:], norm=2.0))
    penalty = penalty_of(GradientPenalty(),
        critic, random(shape), random(shape), keras.random.SeedGenerator(1)
    )
    assert float(penalty) == pytest.approx(1.0, rel=1e-5)


@pytest.mark.tensorflow
def test_gradient_penalty_interpolates_per_example_between_real_and_fake():
    seen = []

    def recording_critic(x):
        seen.append(np.asarray(x))
        return ops.sum(x, axis=(1, 2, 3))

    real = np.ones((64, 3, 3, 2), "float32")
    fake = np.zeros_like(real)
    penalty_of(GradientPenalty(),
        recording_critic, real, fake, keras.random.SeedGenerator(3)
    )
    (interpolates,) = seen
    # With real = 1 and fake = 0 the interpolate *is* eps: one value per example, in [0, 1].
    eps = interpolates[:, 0, 0, 0]
    per_example = np.broadcast_to(eps[:, None, None, None], real.shape)
    np.testing.assert_array_equal(interpolates, per_example)
    assert np.all((eps >= 0.0) & (eps <= 1.0))
    assert len(np.unique(eps)) == len(eps)


def test_gradient_penalty_eps_is_uniform_not_normal():
    # D(x) = x^2 / 2 on scalars, real = 1, fake = 0: the gradient at the interpolate is eps, so
    # the penalty is E[(|eps| - 1)^2] = 1/3 for eps ~ U[0, 1] but 2 for eps ~ N(0, 1).
    batch = 4096
    real, fake = np.ones((batch, 1), "float32"), np.zeros((batch, 1), "float32")
    penalty = penalty_of(GradientPenalty(),
        lambda x: 0.5 * ops.square(x[:, 0]), real, fake, keras.random.SeedGenerator(4)
    )
    # Standard error of the mean is sqrt(4/45 / 4096) ~= 0.005.
    assert float(penalty) == pytest.approx(1.0 / 3.0, abs=0.02)


@pytest.mark.tensorflow
def test_gradient_penalty_is_seeded_and_works_in_graph_with_unknown_batch():
    critic = lambda x: ops.sum(ops.square(x), axis=1)  # noqa: E731
    real, fake = random((6, 3)), random((6, 3))
    gp = GradientPenalty()
    values = [
        float(penalty_of(gp, critic, real, fake, keras.random.SeedGenerator(9)))
        for _ in range(2)
    ]
    assert values[0] == values[1]

    seed_generator = keras.random.SeedGenerator(9)
    spec = tf.TensorSpec((None, 3), tf.float32)
    penalty_fn = tf.function(
        lambda r, f: penalty_of(gp, critic, r, f, seed_generator),
        input_signature=[spec, spec],
    )
    assert float(penalty_fn(real, fake)) == pytest.approx(values[0], rel=1e-5)
    # The seed generator advances: the next step draws other interpolation weights.
    assert float(penalty_fn(real, fake)) != pytest.approx(values[0], rel=1e-5)


def test_gradient_penalty_gradient_is_finite_where_input_gradient_vanishes():
    # A critic with w = 0 has zero input gradient: d sqrt(s)/ds is infinite at s = 0 without the
    # epsilon, which would turn the critic's update into NaN.
    w = keras.Variable(np.zeros((2,), "float32"))

    def penalty():
        critic = lambda x: ops.sum(x * w, axis=1)  # noqa: E731
        value = penalty_of(GradientPenalty(),
            critic, random((4, 2)), random((4, 2)), keras.random.SeedGenerator(0)
        )
        return value, None

    value, _, (grad,) = loss_gradients(penalty, [w])
    assert float(value) == pytest.approx(1.0, rel=1e-5)
    assert np.all(np.isfinite(keras.ops.convert_to_numpy(grad)))


@pytest.mark.parametrize("shape", SHAPES)
def test_r1_of_linear_critic_is_squared_weight_norm(shape):
    w = random(shape[1:])
    critic = linear_critic(w)
    penalty = penalty_of(R1Penalty(), critic, random(shape), random(shape), None)
    assert float(penalty) == pytest.approx(float(np.sum(w**2)), rel=1e-5)


@pytest.mark.parametrize("cls, penalized", [(R1Penalty, "real"), (R2Penalty, "fake")])
def test_r1_r2_of_sum_of_squares_is_four_times_mean_squared_norm(cls, penalized):
    # grad sum(x^2) = 2x, so ||grad||^2 = 4 ||x||^2, averaged over the batch.
    images = {"real": random((5, 4, 4, 3)), "fake": random((5, 4, 4, 3), 2.0)}
    critic = lambda x: ops.sum(ops.square(x), axis=(1, 2, 3))  # noqa: E731
    penalty = penalty_of(cls(), critic, images["real"], images["fake"], None)
    x = images[penalized]
    expected = 4.0 * np.mean(np.sum(x**2, axis=(1, 2, 3)))
    assert float(penalty) == pytest.approx(float(expected), rel=1e-5)


def test_r1_weight_is_half_gamma_and_lazy_interval_is_kept():
    r1 = R1Penalty(gamma=10.0, every=16)
    assert (r1.weight, r1.every, r1.name) == (5.0, 16, "r1")
    assert R2Penalty(gamma=1.0).weight == 0.5
    assert R1Penalty.from_config(r1.get_config()).get_config() == {"gamma": 10.0, "every": 16}


def test_weight_clipping_clips_only_trainable_discriminator_variables():
    keras.utils.set_random_seed(0)
    layers = [keras.layers.Dense(8), keras.layers.BatchNormalization(), keras.layers.Dense(1)]
    discriminator = keras.Sequential([keras.Input((4,)), *layers])
    for variable in discriminator.trainable_variables:
        variable.assign(random(variable.shape, 0.05))
    before = [keras.ops.convert_to_numpy(v).copy() for v in discriminator.trainable_variables]
    moving_variance = keras.ops.convert_to_numpy(discriminator.layers[1].moving_variance).copy()

    clipping = WeightClipping(clip_value=0.01)
    assert penalty_of(clipping, None, None, None, None) is None
    clipping.after_discriminator_update(discriminator)

    for old, variable in zip(before, discriminator.trainable_variables):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(variable), np.clip(old, -0.01, 0.01))
    assert any(np.abs(old).max() > 0.01 for old in before)
    # Batch-norm statistics are state, not weights: clipping them would break the network.
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(discriminator.layers[1].moving_variance), moving_variance)


def test_registry_and_config_round_trip():
    assert REGULARIZERS == {
        "gradient_penalty": GradientPenalty,
        "lecam": LeCamRegularizer,
        "r1": R1Penalty,
        "r2": R2Penalty,
        "weight_clipping": WeightClipping,
    }
    names = {GradientPenalty: "gp", R1Penalty: "r1", R2Penalty: "r2", WeightClipping: "clip"}
    for cls, name in names.items():
        regularizer = cls()
        assert regularizer.name == name
        assert type(regularizer).from_config(regularizer.get_config()).get_config() == (
            regularizer.get_config()
        )
    gp = get_regularizer("gradient_penalty", weight=5.0, every=2)
    assert (gp.weight, gp.every) == (5.0, 2)
    assert GradientPenalty().weight == 10.0
    assert get_regularizer("weight_clipping", clip_value=0.05).clip_value == 0.05


def test_unknown_name_or_argument_is_a_helpful_error():
    with pytest.raises(ConfigError, match=r"Did you mean 'gradient_penalty'\?.*weight_clipping"):
        get_regularizer("gradient_penalti")
    with pytest.raises(ConfigError, match=r"'clip'.*Did you mean 'clip_value'\?"):
        get_regularizer("weight_clipping", clip=0.1)
    with pytest.raises(ConfigError, match="gamma"):
        get_regularizer("r1", weight=5.0)


@pytest.mark.parametrize(
    "build",
    [
        lambda: GradientPenalty(every=0),
        lambda: GradientPenalty(every=2.5),
        lambda: GradientPenalty(weight=-1.0),
        lambda: R1Penalty(gamma=-1.0),
        lambda: R1Penalty(every=True),
        lambda: WeightClipping(clip_value=0.0),
    ],
)
def test_invalid_values_are_config_errors(build):
    with pytest.raises(ConfigError):
        build()


def test_only_penalties_report_a_loss_term():
    assert GradientPenalty().adds_penalty and R1Penalty().adds_penalty and R2Penalty().adds_penalty
    assert not WeightClipping().adds_penalty
