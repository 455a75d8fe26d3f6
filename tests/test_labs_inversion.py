"""Inversion and morphing: recover latents the generator used; approximate real garments."""

import gzip
import os

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras loads)
import keras
import numpy as np
import pytest

from keras_gans.errors import ConfigError
from keras_gans.labs import invert, morph

FASHION_DIR = os.environ.get("KERAS_GANS_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def _random_generator(latent_dim=8, pixels=64, seed=0):
    """A fixed random Dense -> tanh generator: injective (64 outputs from 8 inputs), smooth."""
    keras.utils.set_random_seed(seed)
    z = keras.Input((latent_dim,))
    x = keras.layers.Dense(pixels, activation="tanh")(z)
    model = keras.Model(z, keras.layers.Reshape((8, 8, 1))(x))
    model.latent_dim = latent_dim
    return model


def _linear_discriminator(seed=1):
    keras.utils.set_random_seed(seed)
    x = keras.Input((8, 8, 1))
    return keras.Model(x, keras.layers.Dense(1)(keras.layers.Flatten()(x)))


def test_recovers_latents_of_generated_images():
    g = _random_generator()
    z_true = np.random.default_rng(0).standard_normal((6, 8)).astype(np.float32)
    images = np.asarray(g(z_true))
    z, recon, errors = invert(g, images, steps=400, restarts=4, lr=0.05, seed=0)
    assert z.shape == (6, 8) and recon.shape == images.shape and errors.shape == (6,)
    # The exact answer has error 0. Pixels are in [-1, 1] (variance about 0.3 here); 1e-5 per
    # pixel is an RMS error of 0.003, i.e. under 1/2 of a grey level in an 8-bit PNG.
    assert errors.max() < 1e-5
    np.testing.assert_allclose(recon, images, atol=0.02)
    # The generator is injective, so the latents themselves come back too.
    np.testing.assert_allclose(z, z_true, atol=0.05)
    # The reported errors are the reconstructions' errors.
    np.testing.assert_allclose(errors, np.mean((recon - images) ** 2, axis=(1, 2, 3)), rtol=1e-4, atol=1e-9)


def _read_idx_images(path, count):
    with gzip.open(path, "rb") as f:
        raw = f.read(16 + count * 784)
    assert raw[:4] == b"\x00\x00\x08\x03"  # IDX magic: unsigned bytes, 3 dimensions
    return np.frombuffer(raw, np.uint8, offset=16).reshape(count, 28, 28, 1).astype(np.float32) / 127.5 - 1


@pytest.mark.skipif(not os.path.isdir(FASHION_DIR), reason="Fashion-MNIST files not available")
def test_approximates_real_garments_better_than_random_latents():
    # A "garment generator" with 16 latents: principal components of 2000 training images (in
    # tanh pre-activation space) scaled so that z ~ N(0, 1) gives plausible garments.
    train = _read_idx_images(os.path.join(FASHION_DIR, "train-images-idx3-ubyte.gz"), 2000).reshape(2000, -1)
    pre = np.arctanh(np.clip(train, -0.95, 0.95))
    mean = pre.mean(axis=0)
    _, s, vt = np.linalg.svd(pre - mean, full_matrices=False)
    k = 16
    kernel = (vt[:k] * (s[:k, None] / np.sqrt(len(pre)))).astype(np.float32)
    z_in = keras.Input((k,))
    dense = keras.layers.Dense(784, activation="tanh")
    g = keras.Model(z_in, keras.layers.Reshape((28, 28, 1))(dense(z_in)))
    dense.set_weights([kernel, mean.astype(np.float32)])

    test = _read_idx_images(os.path.join(FASHION_DIR, "t10k-images-idx3-ubyte.gz"), 12)  # unseen
    _, recon, errors = invert(g, test, steps=300, restarts=3, lr=0.1, seed=0)
    random_errors = np.mean(
        (np.asarray(g(np.random.default_rng(1).standard_normal((12, k)).astype(np.float32))) - test) ** 2,
        axis=(1, 2, 3),
    )
    mean_image_errors = np.mean((np.asarray(g(np.zeros((1, k), np.float32))) - test) ** 2, axis=(1, 2, 3))
    # 16 principal directions hold most of a garment's variance, so the fit must remove well
    # over half of the error of the best latent-free guess (the mean garment, G(0)), and be far
    # closer than a random garment; both bounds leave a wide margin.
    assert errors.mean() < 0.6 * mean_image_errors.mean()
    assert errors.mean() < 0.3 * random_errors.mean()
    assert np.all(errors < mean_image_errors)


def test_discriminator_selection_picks_the_highest_scoring_restart():
    g, d = _random_generator(), _linear_discriminator()
    images = np.asarray(g(np.random.default_rng(2).standard_normal((3, 8)).astype(np.float32)))
    # Few steps so the restarts still differ; the same seed gives the same candidates.
    _, by_recon, err_recon = invert(g, images, steps=5, restarts=6, seed=3)
    _, by_disc, err_disc = invert(g, images, steps=5, restarts=6, seed=3, discriminator=d, select="discriminator")
    logits = lambda x: np.asarray(d(x))[:, 0]  # noqa: E731
    assert np.all(logits(by_disc) >= logits(by_recon) - 1e-6)
    assert np.all(err_recon <= err_disc + 1e-9)


def test_feature_term_pushes_reconstructions_towards_higher_scores():
    g, d = _random_generator(), _linear_discriminator()
    images = np.asarray(g(np.random.default_rng(4).standard_normal((4, 8)).astype(np.float32)))
    _, plain, _ = invert(g, images, steps=100, restarts=2, seed=5)
    _, pushed, _ = invert(g, images, steps=100, restarts=2, seed=5, discriminator=d, feature_weight=1.0)
    assert np.mean(np.asarray(d(pushed))) > np.mean(np.asarray(d(plain)))


def test_bad_arguments_are_explained():
    g = _random_generator()
    images = np.zeros((1, 8, 8, 1), np.float32)
    with pytest.raises(ConfigError, match="discriminator"):
        invert(g, images, select="discriminator")
    with pytest.raises(ConfigError, match="reconstruction"):
        invert(g, images, select="best")
    with pytest.raises(ConfigError, match="feature_weight"):
        invert(g, images, feature_weight=0.5)


def test_morph_walks_between_the_two_reconstructions():
    g = _random_generator()
    z = np.random.default_rng(6).standard_normal((2, 8)).astype(np.float32)
    a, b = np.asarray(g(z))
    frames, errors = morph(g, a, b, steps=5, seed=0)
    assert frames.shape == (5, 8, 8, 1)
    assert errors.max() < 1e-4
    np.testing.assert_allclose(frames[0], a, atol=0.03)
    np.testing.assert_allclose(frames[-1], b, atol=0.03)
    # The middle frame is neither endpoint.
    assert np.mean((frames[2] - a) ** 2) > 1e-3 and np.mean((frames[2] - b) ** 2) > 1e-3
