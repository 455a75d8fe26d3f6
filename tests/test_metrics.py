"""Metric math against independent scipy/loop computations; extractors, caching and evaluation."""

import os

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial.distance
import scipy.special

import keras_gans  # noqa: F401  (selects the backend before keras is imported)
from keras_gans.errors import ConfigError, DataError
from keras_gans.metrics import (
    FID,
    KID,
    FashionMNISTClassifier,
    InceptionScore,
    InceptionV3Extractor,
    InceptionWeightsMissing,
    PrecisionRecall,
    RealStatistics,
    evaluate_generator,
    fid_floor,
    frechet_distance,
    frechet_distance_from_activations,
    get_extractor,
    get_metric,
    inception_score,
    kernel_inception_distance,
    precision_recall,
    real_statistics,
)
from keras_gans.metrics.fashion_mnist import load_fashion_mnist
from keras_gans.metrics.extractor_base import prepare_images


def correlated(rng, n, dim, shift=0.0):
    mixing = rng.normal(size=(dim, dim))
    return rng.normal(size=(n, dim)) @ mixing + shift


def reference_fid(a, b):
    """The TTUR formula, written straight from the paper with scipy.linalg.sqrtm."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def reference_mmd2(x, y):
    """Unbiased MMD^2 (Binkowski 2018, eq. 4) by explicit double loops."""
    d = x.shape[1]

    def k(u, v):
        return (np.dot(u, v) / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


# ---- math -------------------------------------------------------------------------------------


def test_fid_matches_scipy_sqrtm_reference():
    rng = np.random.default_rng(0)
    a, b = correlated(rng, 300, 12), correlated(rng, 250, 12, shift=0.7)
    assert frechet_distance_from_activations(a, b) == pytest.approx(reference_fid(a, b), rel=1e-6)


def test_frechet_distance_from_moments_matches_reference():
    rng = np.random.default_rng(1)
    a, b = correlated(rng, 400, 8), correlated(rng, 400, 8, shift=-0.3)
    value = frechet_distance(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))
    assert value == pytest.approx(reference_fid(a, b), rel=1e-6)


def test_fid_of_identical_sets_is_zero():
    a = correlated(np.random.default_rng(2), 200, 10)
    assert frechet_distance_from_activations(a, a) == pytest.approx(0.0, abs=1e-8 * np.trace(np.cov(a.T)))


@pytest.mark.parametrize("n, dim, rank", [(50, 10, 3), (8, 32, 7)])
def test_fid_with_singular_covariance_is_finite_and_exact(n, dim, rank):
    rng = np.random.default_rng(3)
    a = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, dim))  # covariance of rank < dim
    delta = rng.normal(size=dim)
    value = frechet_distance_from_activations(a, a + delta)
    # Same covariance, shifted mean: the exact FID is ||delta||^2 however singular sigma is.
    assert np.isfinite(value)
    assert value == pytest.approx(float(delta @ delta), rel=1e-6)
    # Identical singular sets: 0 up to rounding relative to the covariance's size (the clip at 0
    # makes ">= 0" true of any result, so the bound that matters is the upper one).
    assert frechet_distance_from_activations(a, a) <= 1e-8 * np.trace(np.cov(a.T))


def test_kid_matches_double_loop_reference():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(12, 6)), rng.normal(0.5, 1.2, size=(12, 6))
    # subset_size >= both sets: every subset is a permutation of the whole set, so each
    # estimate is exactly the full-sample unbiased MMD^2 and the std over subsets is ~0.
    mean, std = kernel_inception_distance(x, y, num_subsets=5, subset_size=50)
    assert mean == pytest.approx(reference_mmd2(x, y), rel=1e-6)
    assert std == pytest.approx(0.0, abs=1e-9)


def test_kid_of_one_distribution_is_near_zero_and_of_two_is_positive():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(400, 8)), rng.normal(size=(400, 8))
    same, _ = kernel_inception_distance(a, b, num_subsets=20, subset_size=200)
    different, _ = kernel_inception_distance(a, b + 1.0, num_subsets=20, subset_size=200)
    assert abs(same) < 0.02 < different


def test_inception_score_bounds():
    assert inception_score(np.full((100, 10), 0.1), splits=10)[0] == pytest.approx(1.0)
    confident = np.eye(10)[np.arange(100) % 10]
    assert inception_score(confident, splits=10)[0] == pytest.approx(10.0)


def test_inception_score_matches_scipy_kl():
    p = scipy.special.softmax(np.random.default_rng(6).normal(size=(60, 5)) * 3, axis=1)
    expected = np.exp(scipy.special.rel_entr(p, p.mean(0, keepdims=True)).sum(1).mean())
    assert inception_score(p, splits=1)[0] == pytest.approx(expected, rel=1e-9)


def test_precision_recall_extremes():
    rng = np.random.default_rng(7)
    a = rng.normal(size=(100, 4))
    assert precision_recall(a, a.copy(), k=3) == (1.0, 1.0)
    assert precision_recall(a, a + 100.0, k=3) == (0.0, 0.0)


def test_precision_recall_chunked_matches_brute_force():
    rng = np.random.default_rng(8)
    real, fake = rng.normal(size=(120, 5)), rng.normal(0.4, 1.3, size=(90, 5))

    def reference(manifold, queries, k=3):
        radii = np.sort(scipy.spatial.distance.cdist(manifold, manifold), axis=1)[:, k]
        return float((scipy.spatial.distance.cdist(queries, manifold) <= radii).any(axis=1).mean())

    expected = (reference(real, fake), reference(fake, real))
    assert 0 < expected[0] < 1 and 0 < expected[1] < 1
    assert precision_recall(real, fake, k=3, chunk_size=7) == pytest.approx(expected)
    assert precision_recall(real, fake, k=3, chunk_size=1000) == pytest.approx(expected)


# ---- a real, cheap extractor (implements the protocol; counts its calls) -------------------------


class PatchMeans:
    """2x2 means of 8x8 grayscale images: 16 features; probabilities from the first 4."""

    name = "patch_means"
    input_shape = (8, 8, 1)

    def __init__(self):
        self.calls = 0

    def features(self, images, batch_size=100):
        self.calls += 1
        x = prepare_images(images, self.input_shape)
        return x.reshape(len(x), 4, 2, 4, 2).mean(axis=(2, 4)).reshape(len(x), 16)

    def probabilities(self, images, batch_size=100):
        return scipy.special.softmax(5 * self.features(images)[:, :4], axis=1)


def blobs(rng, n, brightness=0.0):
    return np.clip(rng.normal(brightness, 0.4, size=(n, 8, 8, 1)), -1, 1).astype(np.float32)


def test_metrics_accumulate_batches_like_the_math():
    rng = np.random.default_rng(9)
    real, fake = blobs(rng, 120), blobs(rng, 90, 0.3)
    extractor = PatchMeans()
    fid = FID(extractor, reference_split="test")
    for batch in np.array_split(real, 3):
        fid.update_state(real_images=batch)
    for batch in np.array_split(fake, 4):
        fid.update_state(fake_images=batch)
    expected = frechet_distance_from_activations(extractor.features(real), extractor.features(fake))
    assert fid.result() == pytest.approx(expected, rel=1e-9)
    info = fid.describe()
    assert info["extractor"] == "patch_means" and info["num_samples"] == 90
    assert info["reference_split"] == "test" and info["reference_num_samples"] == 120
    assert info["floor_num_samples"] == 60 and 0 <= info["floor"] < info["value"]
    fid.reset_state()
    assert fid.num_samples == 0


def test_kid_is_pr_metric_classes():
    rng = np.random.default_rng(10)
    extractor = PatchMeans()
    stats = RealStatistics.from_images(blobs(rng, 100), extractor, dataset="blobs", split="train")
    fake = blobs(rng, 80, 0.2)
    kid, pr, score = KID(extractor, stats, subset_size=50), PrecisionRecall(extractor, stats), InceptionScore(extractor)
    for metric in (kid, pr, score):
        metric.update_state(fake_images=fake)
    assert kid.result()["kid"] == pytest.approx(
        kernel_inception_distance(stats.features, extractor.features(fake), 100, 50)[0], rel=1e-9)
    assert pr.describe()["reference_split"] == "train"
    assert set(pr.result()) == {"precision", "recall"}
    # PatchMeans has 4 classes, so any IS lies in [1, 4]; check the value itself.
    splits = np.array_split(extractor.probabilities(fake), 10)
    expected = np.mean([np.exp(scipy.special.rel_entr(p, p.mean(0, keepdims=True)).sum(1).mean()) for p in splits])
    assert score.result()["is"] == pytest.approx(expected, rel=1e-6)  # float32 softmax vs float64 math
    assert 1.05 < expected < 4.0  # the softmax over 4 patch means is neither uniform nor one-hot
    with pytest.raises(ConfigError, match="already has cached real statistics"):
        kid.update_state(real_images=fake)


def test_images_outside_minus_one_one_are_rejected():
    with pytest.raises(DataError, match=r"\[-1, 1\]"):
        prepare_images(np.full((2, 8, 8, 1), 255.0), (8, 8, 1))


def test_unknown_names_suggest_the_closest():
    with pytest.raises(ConfigError, match="Did you mean 'fashion_mnist'"):
        get_extractor("fashion_mnst")
    with pytest.raises(ConfigError, match="Did you mean 'fid'"):
        get_metric("fdi")


def test_real_statistics_are_computed_once_and_reused(tmp_path):
    extractor, loads = PatchMeans(), []

    def images_fn(n):
        loads.append(n)
        return blobs(np.random.default_rng(11), n)

    first = real_statistics("blobs", "train", extractor, 64, images_fn, resolution=8, cache_directory=tmp_path)
    assert loads == [64] and extractor.calls == 1
    assert os.path.basename(first.path) == "blobs-train-patch_means-8x8-n64.npz"
    mtime = os.stat(first.path).st_mtime_ns
    again = real_statistics("blobs", "train", extractor, 64, images_fn, resolution=8, cache_directory=tmp_path)
    assert loads == [64] and extractor.calls == 1 and os.stat(first.path).st_mtime_ns == mtime
    np.testing.assert_array_equal(again.features, first.features)
    np.testing.assert_allclose(again.sigma, first.sigma)
    other = real_statistics("blobs", "test", extractor, 64, images_fn, resolution=8, cache_directory=tmp_path)
    assert loads == [64, 64] and other.path != first.path
    assert sorted(os.listdir(tmp_path)) == sorted(os.path.basename(p) for p in (first.path, other.path))


def test_evaluate_generator_reports_context_and_floor():
    rng = np.random.default_rng(12)
    real = blobs(rng, 400)
    extractor = PatchMeans()

    def good(z):  # resamples the real distribution
        return np.clip(0.4 * z[:, :64].reshape(-1, 8, 8, 1), -1, 1)

    def bad(z):
        return np.tanh(z[:, :64].reshape(-1, 8, 8, 1) + 2.0)

    good.latent_dim = 64
    report = evaluate_generator(good, real, metrics=["fid", "kid", "precision_recall"], num_samples=200,
                                extractor=extractor, batch_size=64, reference_split="train")
    fid = report["fid"]
    assert fid["extractor"] == "patch_means" and fid["num_samples"] == 200
    assert fid["reference_split"] == "train" and fid["floor_num_samples"] == 200
    bad_fid = evaluate_generator(bad, real, metrics="fid", num_samples=200, extractor=extractor, latent_dim=64)
    assert fid["value"] < 3 * fid["floor"] + 1e-3 < bad_fid["fid"]["value"]
    assert report["kid"]["kid"] < bad_fid["fid"]["value"]
    with pytest.raises(ConfigError, match="latent"):
        evaluate_generator(bad, real, num_samples=10, extractor=extractor)


# ---- InceptionV3 ------------------------------------------------------------------------------


def test_inception_missing_weights_path_says_what_to_do(tmp_path):
    missing = str(tmp_path / "nope.h5")
    with pytest.raises(InceptionWeightsMissing) as error:
        InceptionV3Extractor(weights=missing)
    message = str(error.value)
    assert missing in message and "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert "weights=" in message


def test_inception_missing_cache_names_the_cache_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(InceptionWeightsMissing, match=str(tmp_path / "models")):
        get_extractor("inception_v3")


@pytest.mark.slow
def test_inception_loads_weights_from_a_given_path(tmp_path):
    import keras

    # Random weights in the real architecture: exercises loading, resizing and channel handling
    # without the (offline-unavailable) ImageNet file.
    path = str(tmp_path / "random_notop.weights.h5")
    keras.applications.InceptionV3(include_top=False, pooling="avg", weights=None).save_weights(path)
    extractor = InceptionV3Extractor(weights=path)
    features = extractor.features(np.zeros((2, 28, 28, 1), np.float32))
    assert features.shape == (2, 2048) and np.all(np.isfinite(features))
    with pytest.raises(ValueError, match="inception_v3_weights_tf_dim_ordering_tf_kernels.h5"):
        extractor.probabilities(np.zeros((1, 28, 28, 1), np.float32))


# ---- Fashion-MNIST classifier (trained on real data; cached after the first run) ----------------


@pytest.fixture(scope="module")
def fashion():
    classifier = FashionMNISTClassifier()  # trains into the cache on the first run ever
    test_x, test_y = load_fashion_mnist("test")
    train_x, _ = load_fashion_mnist("train")
    return classifier, test_x / 127.5 - 1.0, test_y, train_x / 127.5 - 1.0


@pytest.mark.slow
def test_fashion_classifier_accuracy(fashion):
    classifier, test_x, test_y, _ = fashion
    assert classifier.accuracy(test_x, test_y) >= 0.85
    assert classifier.info["test_accuracy"] >= 0.85
    assert FashionMNISTClassifier(train_if_missing=False).weights_path == classifier.weights_path


@pytest.mark.slow
def test_fashion_fid_separates_real_from_noise(fashion):
    classifier, test_x, _, train_x = fashion
    n = 2000
    rng = np.random.default_rng(13)
    test_features = classifier.features(test_x[:n])
    real_fid = frechet_distance_from_activations(test_features, classifier.features(train_x[:n]))
    noise = rng.uniform(-1, 1, size=(n, 28, 28, 1)).astype(np.float32)
    noise_fid = frechet_distance_from_activations(test_features, classifier.features(noise))
    floor, _ = fid_floor(test_features, n // 2)
    assert real_fid < noise_fid / 20 and floor < noise_fid / 20
    real_is = inception_score(classifier.probabilities(test_x[:n]))[0]
    assert real_is > 5 > inception_score(classifier.probabilities(noise))[0]
