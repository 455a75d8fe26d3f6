"""The relativistic objectives against numbers worked out by hand (numpy formulas below)."""

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the backend before keras is imported)
from keras_gans.backend import loss_gradients
from keras_gans.objectives import get_objective

import keras  # noqa: E402

REAL = np.array([[2.0], [-0.5], [1.0]], "float32")
FAKE = np.array([[-1.0], [0.5], [3.0]], "float32")
RNG = np.random.default_rng(1)
PATCH_REAL = (RNG.normal(size=(2, 3, 3, 1)) * 2).astype("float32")
PATCH_FAKE = (RNG.normal(size=(2, 3, 3, 1)) * 2).astype("float32")


def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def log_sigmoid(x):
    return -softplus(-x)


def test_rpgan_matches_the_paired_formula_by_hand():
    objective = get_objective("rpgan")
    # Pairs (2, -1), (-0.5, 0.5), (1, 3): D(x) - D(G(z)) = 3, -1, -2.
    d = (softplus(-3.0) + softplus(1.0) + softplus(2.0)) / 3
    g = (softplus(3.0) + softplus(-1.0) + softplus(-2.0)) / 3
    np.testing.assert_allclose(float(objective.discriminator_loss(REAL, FAKE)), d, rtol=1e-6)
    np.testing.assert_allclose(float(objective.generator_loss(REAL, FAKE)), g, rtol=1e-6)
    assert objective.generator_needs_real and not objective.label_based


def test_rpgan_depends_only_on_score_differences():
    objective = get_objective("rpgan")
    shifted = objective.discriminator_loss(REAL + 7.0, FAKE + 7.0)
    np.testing.assert_allclose(float(shifted), float(objective.discriminator_loss(REAL, FAKE)), rtol=1e-6)


def test_rpgan_rejects_unpaired_shapes():
    with pytest.raises(ValueError, match="same shape"):
        get_objective("rpgan").discriminator_loss(REAL, FAKE[:2])


def relativistic_average_by_hand(real, fake):
    real_relative = real - fake.mean(axis=0, keepdims=True)
    fake_relative = fake - real.mean(axis=0, keepdims=True)
    d = -np.mean(log_sigmoid(real_relative)) - np.mean(log_sigmoid(-fake_relative))
    g = -np.mean(log_sigmoid(fake_relative)) - np.mean(log_sigmoid(-real_relative))
    return d, g


def test_relativistic_average_hand_numbers():
    # mean D(x) = 2.5/3, mean D(G(z)) = 2.5/3: each side is compared with the other's average.
    objective = get_objective("relativistic_average")
    m = 2.5 / 3
    d = -np.mean([log_sigmoid(v - m) for v in (2.0, -0.5, 1.0)]) - np.mean(
        [log_sigmoid(-(v - m)) for v in (-1.0, 0.5, 3.0)])
    np.testing.assert_allclose(float(objective.discriminator_loss(REAL, FAKE)), d, rtol=1e-6)
    np.testing.assert_allclose(relativistic_average_by_hand(REAL, FAKE)[0], d, rtol=1e-6)
    assert objective.generator_needs_real


@pytest.mark.parametrize("name", ["rpgan", "relativistic_average"])
def test_patch_logits_match_the_numpy_formula(name):
    objective = get_objective(name)
    if name == "rpgan":
        diff = PATCH_REAL - PATCH_FAKE
        expected = np.mean(softplus(-diff)), np.mean(softplus(diff))
    else:
        expected = relativistic_average_by_hand(PATCH_REAL, PATCH_FAKE)
    np.testing.assert_allclose(float(objective.discriminator_loss(PATCH_REAL, PATCH_FAKE)), expected[0], rtol=1e-5)
    np.testing.assert_allclose(float(objective.generator_loss(PATCH_REAL, PATCH_FAKE)), expected[1], rtol=1e-5)


@pytest.mark.parametrize("name", ["rpgan", "relativistic_average"])
def test_finite_losses_and_gradients_for_extreme_logits(name):
    objective = get_objective(name)
    real = keras.Variable(np.array([[-200.0], [0.0], [200.0]], "float32"))
    fake = keras.Variable(np.array([[200.0], [0.0], [-200.0]], "float32"))

    def losses():
        return objective.generator_loss(real, fake) + objective.discriminator_loss(real, fake), None

    total, _, grads = loss_gradients(losses, [real, fake])
    assert np.isfinite(float(total))
    assert all(np.all(np.isfinite(np.asarray(g))) for g in grads)


@pytest.mark.parametrize("name", ["rpgan", "relativistic_average"])
def test_generator_loss_falls_as_fakes_outscore_reals(name):
    objective = get_objective(name)
    low = float(objective.generator_loss(REAL, FAKE + 5.0))
    high = float(objective.generator_loss(REAL, FAKE - 5.0))
    assert low < high
