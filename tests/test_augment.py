"""DiffAugment and ADA: exact transforms, gradients that reach the images, ADA's p heuristic."""

import os
import subprocess
import sys

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the backend before keras is imported)
from keras_gans.augment import AUGMENTATIONS, AdaptiveAugment, DiffAugment, get_augmentation, transforms
from keras_gans.augment.ada import _rotate_around_luma
from keras_gans.backend import input_gradients
from keras_gans.errors import ConfigError

import keras  # noqa: E402
from keras import ops  # noqa: E402

RNG = np.random.default_rng(0)
GREY = RNG.uniform(-1, 1, (6, 28, 28, 1)).astype("float32")
RGB = RNG.uniform(-1, 1, (6, 32, 32, 3)).astype("float32")
ALWAYS = {"diffaugment": {}, "ada": {"p": 1.0}}


def seed(value=0):
    return keras.random.SeedGenerator(value)


@pytest.mark.parametrize("images", [GREY, RGB], ids=["grey", "rgb"])
@pytest.mark.parametrize("name", sorted(ALWAYS))
def test_shape_kept_and_gradient_reaches_the_images(name, images):
    augment = get_augmentation(name, **ALWAYS[name])
    weights = RNG.normal(size=images.shape).astype("float32")

    def score(x):
        return augment(x, seed()) * weights

    out = augment(ops.convert_to_tensor(images), seed())
    assert out.shape == images.shape and out.dtype == "float32"
    assert not np.allclose(np.asarray(out), images)
    gradient = np.asarray(input_gradients(score, ops.convert_to_tensor(images)))
    assert np.all(np.isfinite(gradient)) and np.abs(gradient).sum() > 0


@pytest.mark.parametrize("images", [GREY, RGB], ids=["grey", "rgb"])
def test_ada_at_p_zero_and_an_empty_policy_leave_images_unchanged(images):
    np.testing.assert_array_equal(np.asarray(AdaptiveAugment(p=0.0)(images, seed())), images)
    np.testing.assert_array_equal(np.asarray(DiffAugment(policy=())(images, seed())), images)


def test_translate_zero_and_reflect_fill_match_numpy():
    images = RNG.normal(size=(2, 5, 6, 1)).astype("float32")
    shift_y, shift_x = np.array([2, -1]), np.array([-3, 1])
    zeros = np.asarray(transforms.translate(images, shift_y, shift_x, fill="zeros"))
    reflect = np.asarray(transforms.translate(images, shift_y, shift_x, fill="reflect"))
    for b in range(2):
        # Output pixel (i, j) reads input (i - shift_y, j - shift_x).
        padded = np.pad(images[b], ((5, 5), (6, 6), (0, 0)))
        expected = padded[5 - shift_y[b]:10 - shift_y[b], 6 - shift_x[b]:12 - shift_x[b]]
        np.testing.assert_allclose(zeros[b], expected)
        mirrored = np.pad(images[b], ((4, 4), (5, 5), (0, 0)), mode="reflect")
        np.testing.assert_allclose(reflect[b], mirrored[4 - shift_y[b]:9 - shift_y[b], 5 - shift_x[b]:11 - shift_x[b]])


def test_cutout_zeroes_the_rectangle_clipped_to_the_image():
    images = np.ones((2, 8, 8, 2), "float32")
    out = np.asarray(transforms.cutout(images, np.array([1, -2]), np.array([2, 6]), 4, 4))
    expected = np.ones_like(images)
    expected[0, 1:5, 2:6] = 0
    expected[1, 0:2, 6:8] = 0
    np.testing.assert_array_equal(out, expected)


def test_rotate90_and_flip_match_numpy():
    images = RNG.normal(size=(4, 5, 5, 2)).astype("float32")
    rotated = np.asarray(transforms.rotate90(images, np.array([0, 1, 2, 3])))
    for k in range(4):
        np.testing.assert_allclose(rotated[k], np.rot90(images[k], k, axes=(0, 1)))
    flipped = np.asarray(transforms.flip_x(images, np.array([True, False, True, False])[:, None, None, None]))
    np.testing.assert_allclose(flipped[0], images[0, :, ::-1])
    np.testing.assert_allclose(flipped[1], images[1])


def test_diffaugment_translation_and_cutout_sizes_follow_the_paper():
    # translation: at most int(28 / 8 + 0.5) = 4 pixels; cutout: a 14 x 14 square, possibly clipped.
    images = np.ones((64, 28, 28, 1), "float32")
    cut = np.asarray(DiffAugment(policy="cutout")(images, seed()))
    zeroed = (cut == 0).sum(axis=(1, 2, 3))
    assert zeroed.max() == 14 * 14 and zeroed.min() >= 7 * 7
    moved = np.asarray(DiffAugment(policy="translation")(images, seed()))
    kept_rows = (moved.sum(axis=(2, 3)) > 0).sum(axis=1)
    assert kept_rows.min() >= 28 - 4 and (kept_rows < 28).any()


def test_hue_rotation_keeps_luma_and_distance_from_grey():
    images = RNG.uniform(-1, 1, (3, 4, 4, 3)).astype("float32")
    angle = np.array([0.3, -2.0, np.pi], "float32")[:, None, None, None]
    rotated = np.asarray(_rotate_around_luma(ops.convert_to_tensor(images), angle))
    np.testing.assert_allclose(rotated.mean(-1), images.mean(-1), atol=1e-5)
    grey_distance = lambda x: np.linalg.norm(x - x.mean(-1, keepdims=True), axis=-1)  # noqa: E731
    np.testing.assert_allclose(grey_distance(rotated), grey_distance(images), atol=1e-5)
    assert not np.allclose(rotated, images)


def test_ada_p_rises_while_d_overfits_and_falls_back():
    ada = AdaptiveAugment(interval=4, adjust_kimg=0.1)   # p moves 16 * 4 / 100 = 0.64 per adjustment
    overfit = np.full((16, 1), 3.0, "float32")          # sign(D(real)) = 1 > 0.6
    for _ in range(3):
        ada.observe(overfit)
        assert float(ada.p) == 0.0                       # adjusted only every 4th observation
    ada.observe(overfit)
    np.testing.assert_allclose(float(ada.p), 0.64, rtol=1e-6)
    np.testing.assert_allclose(float(ada.logs()["augment_rt"]), 1.0)
    for _ in range(4):
        ada.observe(overfit)
    assert float(ada.p) == 1.0                           # clipped to a probability
    mixed = np.array([[1.0]] * 8 + [[-1.0]] * 8, "float32")  # r_t = 0 < 0.6
    for _ in range(4):
        ada.observe(mixed)
    np.testing.assert_allclose(float(ada.p), 1.0 - 0.64, atol=1e-6)
    np.testing.assert_allclose(float(ada.logs()["augment_rt"]), 0.0)
    for _ in range(4):
        ada.observe(mixed)
    assert float(ada.p) == 0.0 and float(ada.logs()["augment_p"]) == 0.0


def test_ada_with_paper_speed_and_fixed_p():
    ada = AdaptiveAugment()                              # ada_kimg = 500: 64 * 4 / 500000 per step
    for _ in range(8):
        ada.observe(np.ones((64, 1), "float32"))
    np.testing.assert_allclose(float(ada.p), 2 * 64 * 4 / 500_000, rtol=1e-5)
    fixed = AdaptiveAugment(p=0.3, target=None)
    fixed.observe(np.ones((64, 1), "float32"))
    assert float(fixed.p) == pytest.approx(0.3) and fixed.variables


@pytest.mark.tensorflow
def test_augmentations_compile_under_xla():
    import tensorflow as tf

    ada = AdaptiveAugment(p=0.5, interval=1)
    generator = seed(3)

    @tf.function(jit_compile=True)
    def step(images):
        out = DiffAugment()(ada(images, generator), generator)
        ada.observe(tf.reduce_mean(out, axis=(1, 2, 3))[:, None])
        return out

    assert step(tf.constant(RGB)).shape == RGB.shape
    assert float(ada.p) != 0.5


def test_registry_and_bad_options():
    assert {"none", "diffaugment", "ada"} <= set(AUGMENTATIONS)
    with pytest.raises(ConfigError, match="Did you mean 'ada'"):
        get_augmentation("adaa")
    with pytest.raises(ConfigError, match="translation"):
        get_augmentation("diffaugment", policy="color,translate")
    with pytest.raises(ConfigError, match="target"):
        get_augmentation("ada", target=1.5)
    with pytest.raises(ConfigError, match="p_init|Valid choices"):
        get_augmentation("ada", p_init=0.1)
    assert DiffAugment(policy="color,cutout").get_config()["policy"] == ["color", "cutout"]
    assert AdaptiveAugment.from_config(AdaptiveAugment(p=0.2).get_config()).get_config()["p"] == 0.2


JAX_CHECK = """
import jax, numpy as np, keras
from keras_gans.augment import get_augmentation
images = np.random.default_rng(0).uniform(-1, 1, (4, 16, 16, 3)).astype("float32")
for name, options in (("diffaugment", {}), ("ada", {"p": 1.0})):
    augment = get_augmentation(name, **options)
    grad = jax.grad(lambda x: (augment(x, keras.random.SeedGenerator(0)) ** 2).sum())(images)
    assert np.isfinite(grad).all() and np.abs(grad).sum() > 0, name
print("jax ok")
"""


def test_augmentations_differentiate_on_jax():
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    result = subprocess.run([sys.executable, "-c", JAX_CHECK], env=env, capture_output=True, text=True,
                            timeout=120, cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert "jax ok" in result.stdout, result.stderr[-2000:]
