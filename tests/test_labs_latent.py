"""Interpolation: lerp/slerp geometry, generator walks, PNG grids."""

import os

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras loads)
import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_gans.errors import ConfigError
from keras_gans.labs import latent


def _angle(a, b):
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    return 2 * np.arctan2(np.linalg.norm(a - b), np.linalg.norm(a + b))


def test_lerp_endpoints_and_midpoint():
    z0, z1 = np.array([1.0, 2.0, 3.0]), np.array([-1.0, 0.0, 5.0])
    out = latent.lerp(z0, z1, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(out[0], z0)
    np.testing.assert_allclose(out[1], [0.0, 1.0, 4.0])
    np.testing.assert_allclose(out[2], z1)


def test_slerp_endpoints_exact():
    rng = np.random.default_rng(0)
    z0, z1 = rng.standard_normal(64), rng.standard_normal(64)
    out = latent.slerp(z0, z1, [0.0, 1.0])
    np.testing.assert_allclose(out[0], z0, atol=1e-12)
    np.testing.assert_allclose(out[1], z1, atol=1e-12)


def test_slerp_keeps_norm_where_lerp_shrinks_it():
    rng = np.random.default_rng(1)
    z0 = rng.standard_normal(128)
    z1 = rng.standard_normal(128)
    z1 *= np.linalg.norm(z0) / np.linalg.norm(z1)
    t = np.linspace(0, 1, 11)
    np.testing.assert_allclose(np.linalg.norm(latent.slerp(z0, z1, t), axis=-1), np.linalg.norm(z0), rtol=1e-12)
    # Two independent Gaussian latents are nearly orthogonal: the lerp midpoint has about
    # 1/sqrt(2) of their norm, off the shell the generator was trained on.
    mid = np.linalg.norm(latent.lerp(z0, z1, 0.5)) / np.linalg.norm(z0)
    assert 0.6 < mid < 0.8


def test_slerp_interpolates_norm_linearly_for_unequal_norms():
    z0, z1 = np.array([3.0, 0.0]), np.array([0.0, 5.0])
    t = np.linspace(0, 1, 7)
    np.testing.assert_allclose(np.linalg.norm(latent.slerp(z0, z1, t), axis=-1), 3 + 2 * t, rtol=1e-12)


def test_slerp_moves_at_constant_angular_speed():
    rng = np.random.default_rng(2)
    z0, z1 = rng.standard_normal(32), 2.5 * rng.standard_normal(32)
    omega = _angle(z0, z1)
    t = np.linspace(0, 1, 9)
    points = latent.slerp(z0, z1, t)
    np.testing.assert_allclose([_angle(z0, p) for p in points], t * omega, atol=1e-9)
    # And the path stays on the great circle: the angle to z1 is the remaining part.
    np.testing.assert_allclose([_angle(p, z1) for p in points], (1 - t) * omega, atol=1e-9)


def test_slerp_near_parallel_is_finite_and_matches_lerp_direction():
    z0 = np.array([1.0, 0.0, 0.0])
    z1 = np.array([1.0, 1e-9, 0.0])
    out = latent.slerp(z0, z1, np.linspace(0, 1, 5))
    assert np.all(np.isfinite(out))
    np.testing.assert_allclose(out, latent.lerp(z0, z1, np.linspace(0, 1, 5)), atol=1e-12)
    # Identical vectors: a constant path.
    np.testing.assert_allclose(latent.slerp(z0, z0, [0.3, 0.7]), [z0, z0])


def test_slerp_small_angle_is_accurate():
    # arccos(dot) would lose about half the digits here; the atan2 form keeps them.
    eps = 1e-7
    z0, z1 = np.array([1.0, 0.0]), np.array([np.cos(eps), np.sin(eps)])
    mid = latent.slerp(z0, z1, 0.5)
    np.testing.assert_allclose(np.arctan2(mid[1], mid[0]), eps / 2, rtol=1e-6)


def test_slerp_rejects_opposite_and_zero_vectors():
    with pytest.raises(ConfigError, match="opposite"):
        latent.slerp(np.array([1.0, 0.0]), np.array([-2.0, 0.0]), 0.5)
    with pytest.raises(ConfigError, match="zero"):
        latent.slerp(np.zeros(2), np.ones(2), 0.5)


def test_slerp_batched_rows_are_independent():
    rng = np.random.default_rng(3)
    z0, z1 = rng.standard_normal((4, 16)), rng.standard_normal((4, 16))
    batched = latent.slerp(z0, z1, [0.25, 0.75])
    for i in range(4):
        np.testing.assert_allclose(batched[:, i], latent.slerp(z0[i], z1[i], [0.25, 0.75]), atol=1e-12)


def _dense_generator(latent_dim=8, shape=(6, 6, 1), num_classes=None, seed=0):
    keras.utils.set_random_seed(seed)
    z = keras.Input((latent_dim,))
    if num_classes:
        labels = keras.Input((), dtype="int32")
        h = keras.layers.Concatenate()([z, keras.layers.Embedding(num_classes, 4)(labels)])
        inputs = [z, labels]
    else:
        h, inputs = z, z
    out = keras.layers.Reshape(shape)(keras.layers.Dense(int(np.prod(shape)), activation="tanh")(h))
    model = keras.Model(inputs, out)
    if num_classes:
        model.num_classes = num_classes
        model.latent_dim = latent_dim
    return model


def test_interpolate_endpoints_are_the_generated_images():
    g = _dense_generator()
    assert latent.latent_dim_of(g) == 8  # read from the input shape
    rng = np.random.default_rng(4)
    z0, z1 = rng.standard_normal(8), rng.standard_normal(8)
    frames = latent.interpolate(g, z0, z1, steps=6)
    assert frames.shape == (6, 6, 6, 1)
    np.testing.assert_allclose(frames[0], np.asarray(g(z0[None].astype(np.float32)))[0], atol=1e-6)
    np.testing.assert_allclose(frames[-1], np.asarray(g(z1[None].astype(np.float32)))[0], atol=1e-6)


def test_conditional_generator_needs_labels_and_class_sweep_shapes():
    g = _dense_generator(num_classes=3)
    rng = np.random.default_rng(5)
    z0, z1 = rng.standard_normal(8), rng.standard_normal(8)
    with pytest.raises(ConfigError, match="labels"):
        latent.interpolate(g, z0, z1, steps=4)
    grid = latent.interpolate_classes(g, z0, z1, classes=[0, 2], steps=4)
    assert grid.shape == (8, 6, 6, 1)
    np.testing.assert_allclose(grid[4:], latent.interpolate(g, z0, z1, steps=4, labels=2), atol=1e-6)
    with pytest.raises(ConfigError, match="conditional"):
        latent.interpolate_classes(_dense_generator(), z0, z1, classes=[0, 1])


def test_grid_png_round_trips(tmp_path):
    g = _dense_generator(shape=(5, 7, 3))
    images = latent.interpolation_grid(g, rows=2, steps=4, seed=0)
    from keras_gans.images import save_image_grid, to_uint8

    path = save_image_grid(images, str(tmp_path / "walk.png"), rows=2)
    png = tf.io.decode_png(tf.io.read_file(path)).numpy()
    assert png.shape == (2 * 6 + 1, 4 * 8 + 1, 3)
    np.testing.assert_array_equal(png[1:6, 1:8], to_uint8(images[0]))
    np.testing.assert_array_equal(png[7:12, 1 + 3 * 8 : 8 + 3 * 8], to_uint8(images[7]))
    assert os.path.getsize(path) > 0


def test_unknown_method_names_the_choices():
    with pytest.raises(ConfigError, match="slerp"):
        latent.path(np.ones(2), np.ones(2), 4, method="slrep")
