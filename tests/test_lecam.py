"""LeCam regularizer against numbers worked out by hand."""

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the backend before keras is imported)
from keras_gans.backend import loss_gradients
from keras_gans.errors import ConfigError
from keras_gans.regularizers import REGULARIZERS, get_regularizer
from keras_gans.regularizers.base import PenaltyInputs

import keras  # noqa: E402


def penalty_inputs(real_logits, fake_logits):
    # What the trainer passes to `discriminator_penalty`; LeCam reads only the logits.
    return PenaltyInputs(None, None, None, real_logits=real_logits, fake_logits=fake_logits)


def test_first_step_anchors_are_the_batch_means():
    lecam = get_regularizer("lecam", weight=0.3)
    real, fake = np.array([[2.0], [-1.0], [0.5]], "float32"), np.array([[-2.0], [0.0], [1.0]], "float32")
    value = float(lecam.discriminator_penalty(penalty_inputs(real, fake)))
    # Bias-corrected averages after one update are the batch means: a_real = 0.5, a_fake = -1/3.
    # relu(D(x) - a_fake)^2 = (7/3)^2, 0, (5/6)^2; relu(a_real - D(G(z)))^2 = 2.5^2, 0.5^2, 0.
    expected = ((7 / 3) ** 2 + (5 / 6) ** 2) / 3 + (2.5**2 + 0.5**2) / 3
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    np.testing.assert_allclose([float(a) for a in lecam.anchors()], [0.5, -1 / 3], rtol=1e-5)
    assert lecam.weight == 0.3 and lecam.variables


def test_anchors_follow_the_debiased_moving_average():
    lecam = get_regularizer("lecam", decay=0.9)
    rng = np.random.default_rng(0)
    biased_real = biased_fake = 0.0
    for step in range(1, 6):
        real = rng.normal(1.0, 1.0, (8, 1)).astype("float32")
        fake = rng.normal(-1.0, 1.0, (8, 1)).astype("float32")
        value = float(lecam.discriminator_penalty(penalty_inputs(real, fake)))
        biased_real = 0.9 * biased_real + 0.1 * real.mean()
        biased_fake = 0.9 * biased_fake + 0.1 * fake.mean()
        anchor_real, anchor_fake = biased_real / (1 - 0.9**step), biased_fake / (1 - 0.9**step)
        expected = np.mean(np.maximum(real - anchor_fake, 0) ** 2) + np.mean(np.maximum(anchor_real - fake, 0) ** 2)
        np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_gradient_flows_through_the_logits_not_the_anchors():
    lecam = get_regularizer("lecam")
    real = keras.Variable(np.array([[1.0], [3.0]], "float32"))
    fake = keras.Variable(np.array([[0.0], [-2.0]], "float32"))

    def loss():
        return lecam.discriminator_penalty(penalty_inputs(real, fake)), None

    _, _, (grad_real, grad_fake) = loss_gradients(loss, [real, fake])
    # a_real = 2, a_fake = -1: d/dr mean(relu(r + 1)^2) = (r + 1) for a batch of 2 -> 2, 4;
    # d/df mean(relu(2 - f)^2) = -(2 - f) -> -2, -4. Through the anchors it would differ.
    np.testing.assert_allclose(np.asarray(grad_real).ravel(), [2.0, 4.0], rtol=1e-5)
    np.testing.assert_allclose(np.asarray(grad_fake).ravel(), [-2.0, -4.0], rtol=1e-5)


def test_registered_and_validated():
    assert REGULARIZERS["lecam"].name == "lecam"
    assert get_regularizer("lecam").get_config() == {"weight": 0.3, "decay": 0.99}
    with pytest.raises(ConfigError, match="decay"):
        get_regularizer("lecam", decay=1.0)
    with pytest.raises(ConfigError, match="Valid choices"):
        get_regularizer("lecam", gamma=1.0)
