"""Objectives against numbers worked out by hand: the formulas are written out in numpy below."""

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras is imported)
from keras_gans.backend import loss_gradients
from keras_gans.errors import ConfigError
from keras_gans.objectives import OBJECTIVES, get_objective

import keras  # noqa: E402

RNG = np.random.default_rng(0)
# One discriminator output per example, and 3x3 patch outputs, for a batch of two.
PER_EXAMPLE = np.array([[2.0], [-0.5]], "float32"), np.array([[-1.0], [0.5]], "float32")
PATCH = (RNG.normal(size=(2, 3, 3, 1)) * 2).astype("float32"), (
    RNG.normal(size=(2, 3, 3, 1)) * 2
).astype("float32")


def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def per_example(targets, logits):
    targets = np.asarray(targets, "float32")
    return targets.reshape((-1,) + (1,) * (logits.ndim - 1)) if targets.ndim == 1 else targets


def bce(logits, targets):
    """-t log p - (1 - t) log(1 - p), p = sigmoid(logits), averaged over every element."""
    t = per_example(targets, logits)
    p = sigmoid(logits.astype("float64"))
    return np.mean(-t * np.log(p) - (1 - t) * np.log(1 - p))


class ObjectiveCase:
    """Shared checks; subclasses name the objective and write its two formulas in numpy."""

    name = None

    def expected_generator(self, fake):
        raise NotImplementedError

    def expected_discriminator(self, real, fake, real_targets=1.0, fake_targets=0.0):
        raise NotImplementedError

    @property
    def objective(self):
        return get_objective(self.name)

    @pytest.mark.parametrize("logits", [PER_EXAMPLE, PATCH], ids=["per_example", "patch"])
    def test_losses_match_hand_computation(self, logits):
        real, fake = logits
        g = self.objective.generator_loss(None, fake)
        d = self.objective.discriminator_loss(real, fake)
        assert g.shape == () and d.shape == ()
        np.testing.assert_allclose(float(g), self.expected_generator(fake), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(
            float(d), self.expected_discriminator(real, fake), rtol=1e-5, atol=1e-6
        )

    def test_finite_loss_and_gradient_for_extreme_logits(self):
        logits = keras.Variable(np.array([[-200.0], [0.0], [200.0]], "float32"))

        def losses():
            total = self.objective.generator_loss(None, logits) + self.objective.discriminator_loss(
                logits, logits
            )
            return total, None

        total, _, (grad,) = loss_gradients(losses, [logits])
        assert np.isfinite(float(total))
        assert np.all(np.isfinite(keras.ops.convert_to_numpy(grad)))

    def test_registry_entry(self):
        objective = self.objective
        assert objective.name == self.name
        assert objective.generator_loss.__name__ == f"{self.name}_generator_loss"
        assert objective.discriminator_loss.__name__ == f"{self.name}_discriminator_loss"
        assert objective.paper


class LabelBasedCase(ObjectiveCase):
    @pytest.mark.parametrize("logits", [PER_EXAMPLE, PATCH], ids=["per_example", "patch"])
    def test_one_sided_label_smoothing(self, logits):
        real, fake = logits
        smoothed = self.objective.discriminator_loss(real, fake, real_targets=0.9)
        np.testing.assert_allclose(
            float(smoothed), self.expected_discriminator(real, fake, 0.9, 0.0), rtol=1e-5
        )
        assert abs(float(smoothed) - float(self.objective.discriminator_loss(real, fake))) > 1e-3

    @pytest.mark.parametrize("logits", [PER_EXAMPLE, PATCH], ids=["per_example", "patch"])
    def test_per_example_label_flips(self, logits):
        real, fake = logits
        # The second example of each batch has its label flipped.
        real_targets = np.array([1.0, 0.0], "float32")
        fake_targets = np.array([0.0, 1.0], "float32")
        flipped = self.objective.discriminator_loss(
            real, fake, real_targets=real_targets, fake_targets=fake_targets
        )
        expected = self.expected_discriminator(real, fake, real_targets, fake_targets)
        np.testing.assert_allclose(float(flipped), expected, rtol=1e-5)
        # Broadcasting the [batch] targets along the last axis instead would give another number.
        assert abs(expected - self.expected_discriminator(real, fake)) > 1e-3

    def test_all_flipped_equals_swapped_inputs(self):
        real, fake = PATCH
        ones, zeros = np.ones(2, "float32"), np.zeros(2, "float32")
        swapped = self.objective.discriminator_loss(
            real, fake, real_targets=zeros, fake_targets=ones
        )
        np.testing.assert_allclose(
            float(swapped), float(self.objective.discriminator_loss(fake, real)), rtol=1e-6
        )


class TestMinimax(LabelBasedCase):
    name = "minimax"

    def expected_generator(self, fake):
        # The generator minimizes E[log(1 - D(G(z)))].
        return np.mean(np.log(1.0 - sigmoid(fake.astype("float64"))))

    def expected_discriminator(self, real, fake, real_targets=1.0, fake_targets=0.0):
        return bce(real, real_targets) + bce(fake, fake_targets)

    def test_numbers_at_zero_logits(self):
        zeros = np.zeros((4, 1), "float32")
        # D(x) = 1/2 everywhere: -log(1/2) on each side, and log(1 - 1/2) for G.
        assert float(get_objective("minimax").discriminator_loss(zeros, zeros)) == pytest.approx(
            2 * np.log(2), rel=1e-6
        )
        assert float(get_objective("minimax").generator_loss(None, zeros)) == pytest.approx(
            -np.log(2), rel=1e-6
        )


class TestNonSaturating(LabelBasedCase):
    name = "non_saturating"

    def expected_generator(self, fake):
        # The generator maximizes E[log D(G(z))], i.e. minimizes its negative.
        return -np.mean(np.log(sigmoid(fake.astype("float64"))))

    def expected_discriminator(self, real, fake, real_targets=1.0, fake_targets=0.0):
        return bce(real, real_targets) + bce(fake, fake_targets)

    def test_numbers(self):
        fake = np.array([[0.0], [np.log(3.0)]], "float32")
        # D = 1/2 and 3/4: -(log(1/2) + log(3/4)) / 2.
        expected = -(np.log(0.5) + np.log(0.75)) / 2
        assert float(get_objective("non_saturating").generator_loss(None, fake)) == pytest.approx(
            expected, rel=1e-6
        )
        smoothed = get_objective("non_saturating").discriminator_loss(
            np.zeros((1, 1)), np.zeros((1, 1)), real_targets=0.9
        )
        # At D = 1/2 the targets do not matter: -0.9 log(1/2) - 0.1 log(1/2) - log(1/2).
        assert float(smoothed) == pytest.approx(2 * np.log(2), rel=1e-6)

    def test_saturation_differs_from_minimax(self):
        # D rejects the fake confidently: minimax's gradient vanishes, the non-saturating one's not.
        fake = keras.Variable(np.array([[-10.0]], "float32"))
        grads = {}
        for name in ("minimax", "non_saturating"):
            _, _, (grad,) = loss_gradients(
                lambda n=name: (get_objective(n).generator_loss(None, fake), None), [fake]
            )
            grads[name] = abs(float(keras.ops.convert_to_numpy(grad)[0, 0]))
        assert grads["minimax"] < 1e-4 < 0.99 < grads["non_saturating"]


class TestWasserstein(ObjectiveCase):
    name = "wasserstein"

    def expected_generator(self, fake):
        return -np.mean(fake)

    def expected_discriminator(self, real, fake):
        return np.mean(fake) - np.mean(real)


class TestLeastSquares(LabelBasedCase):
    name = "least_squares"

    def expected_generator(self, fake):
        return 0.5 * np.mean((fake - 1.0) ** 2)

    def expected_discriminator(self, real, fake, real_targets=1.0, fake_targets=0.0):
        real_targets = per_example(real_targets, real)
        fake_targets = per_example(fake_targets, fake)
        return 0.5 * np.mean((real - real_targets) ** 2) + 0.5 * np.mean((fake - fake_targets) ** 2)

    def test_numbers(self):
        real = np.array([[1.0], [3.0]], "float32")
        fake = np.array([[0.0], [-2.0]], "float32")
        # 1/2 * (0 + 4)/2 + 1/2 * (0 + 4)/2 = 2; generator: 1/2 * (1 + 9)/2 = 2.5.
        lsgan = get_objective("least_squares")
        assert float(lsgan.discriminator_loss(real, fake)) == pytest.approx(2.0)
        assert float(lsgan.generator_loss(None, fake)) == pytest.approx(2.5)


class TestHinge(ObjectiveCase):
    name = "hinge"

    def expected_generator(self, fake):
        return -np.mean(fake)

    def expected_discriminator(self, real, fake):
        return np.mean(np.maximum(0.0, 1.0 - real)) + np.mean(np.maximum(0.0, 1.0 + fake))

    def test_numbers(self):
        real = np.array([[2.0], [0.5]], "float32")
        fake = np.array([[-2.0], [0.5]], "float32")
        # Real: relu(-1), relu(0.5) -> 0.25. Fake: relu(-1), relu(1.5) -> 0.75.
        assert float(get_objective("hinge").discriminator_loss(real, fake)) == pytest.approx(1.0)
        assert float(get_objective("hinge").generator_loss(None, fake)) == pytest.approx(0.75)


def test_scores():
    logits = np.array([[0.0], [np.log(3.0)]], "float32")
    for name, objective in OBJECTIVES.items():
        expected = [0.5, 0.75] if name in ("minimax", "non_saturating") else logits[:, 0]
        np.testing.assert_allclose(np.asarray(objective.score(logits))[:, 0], expected, rtol=1e-6)


def test_label_based_flags_match_signatures():
    for objective in OBJECTIVES.values():
        if objective.label_based:
            objective.discriminator_loss(*PATCH, real_targets=0.9, fake_targets=0.1)
        else:
            with pytest.raises(TypeError):
                objective.discriminator_loss(*PATCH, real_targets=0.9)


def test_unknown_objective_names_choices_and_closest_match():
    with pytest.raises(ConfigError, match=r"Did you mean 'least_squares'\?.*wasserstein"):
        get_objective("least_square")
    assert isinstance(ConfigError("x"), ValueError)
