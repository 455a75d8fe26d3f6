"""Metric formulas on activations, in float64 numpy/scipy, apart from any feature extractor.

Everything here takes plain arrays so it can be checked against the papers' formulas directly and
reused with any extractor (InceptionV3, the project's domain classifiers, user features).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

# Negative eigenvalues of a covariance (or of sqrt(S1) S2 sqrt(S1)) can only come from rounding;
# anything below this fraction of the largest eigenvalue is treated as exactly zero.
_EIG_RTOL = 1e-12


def _as_2d_float64(name: str, x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array [num_samples, dim]; got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or Inf values.")
    return x


def _psd_sqrt(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric PSD matrix through eigh, clipping rounding-level negatives."""
    eigenvalues, eigenvectors = scipy.linalg.eigh((matrix + matrix.T) / 2.0)
    floor = _EIG_RTOL * max(float(eigenvalues.max(initial=0.0)), 0.0)
    eigenvalues = np.where(eigenvalues > floor, eigenvalues, 0.0)
    return (eigenvectors * np.sqrt(eigenvalues)) @ eigenvectors.T


def trace_sqrt_product(sigma1, sigma2) -> float:
    """tr(sqrt(sigma1 @ sigma2)) for symmetric PSD `sigma1`, `sigma2`.

    sigma1 @ sigma2 is not symmetric, so `scipy.linalg.sqrtm` of it works in complex arithmetic
    (Schur form), can return imaginary parts and fails outright when the product is singular,
    which is the usual case when num_samples < dim. But sigma1 @ sigma2 is similar to the symmetric
    PSD matrix M = sqrt(sigma1) sigma2 sqrt(sigma1), so they share eigenvalues and
    tr(sqrt(sigma1 sigma2)) = sum(sqrt(eigvalsh(M))). Symmetric eigensolvers are backward stable,
    stay real, and rank deficiency just gives zero eigenvalues: no epsilon retry needed.
    """
    root1 = _psd_sqrt(np.asarray(sigma1, dtype=np.float64))
    middle = root1 @ np.asarray(sigma2, dtype=np.float64) @ root1
    eigenvalues = scipy.linalg.eigvalsh((middle + middle.T) / 2.0)
    floor = _EIG_RTOL * max(float(eigenvalues.max(initial=0.0)), 0.0)
    return float(np.sqrt(np.where(eigenvalues > floor, eigenvalues, 0.0)).sum())


def frechet_distance(mu1, sigma1, mu2, sigma2) -> float:
    """Frechet distance between Gaussians N(mu1, sigma1) and N(mu2, sigma2) (Heusel et al. 2017).

    ||mu1 - mu2||^2 + tr(sigma1) + tr(sigma2) - 2 tr(sqrt(sigma1 sigma2)); clipped at 0 because the
    exact value is a squared distance and only rounding can push it below.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    sigma1, sigma2 = np.atleast_2d(sigma1).astype(np.float64), np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != (mu1.size,) * 2:
        raise ValueError(
            f"Shapes do not match: mu1 {mu1.shape}, sigma1 {sigma1.shape}, mu2 {mu2.shape}, "
            f"sigma2 {sigma2.shape}; expected mu [dim] and sigma [dim, dim] for both."
        )
    diff = mu1 - mu2
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2)
    return max(float(value), 0.0)


def mean_and_covariance(activations) -> tuple[np.ndarray, np.ndarray]:
    """Mean and unbiased (ddof=1) covariance of activations [num_samples, dim], as in TTUR's FID."""
    activations = _as_2d_float64("activations", activations)
    if activations.shape[0] < 2:
        raise ValueError("At least 2 samples are needed to estimate a covariance.")
    return activations.mean(axis=0), np.cov(activations, rowvar=False)


def frechet_distance_from_activations(a, b) -> float:
    """FID between two activation sets [n, dim] and [m, dim] (any extractor)."""
    mu1, sigma1 = mean_and_covariance(a)
    mu2, sigma2 = mean_and_covariance(b)
    return frechet_distance(mu1, sigma1, mu2, sigma2)


def kernel_inception_distance(a, b, num_subsets: int = 100, subset_size: int = 1000, seed: int = 0):
    """Unbiased MMD^2 with k(x, y) = (x.y / d + 1)^3, averaged over random subsets (Binkowski 2018).

    Returns (mean, std) over `num_subsets` subsets of `min(subset_size, n, m)` rows drawn without
    replacement from each set. Subsets keep the Gram matrices small (subset_size^2) and the spread
    across subsets is the reported std.
    """
    a, b = _as_2d_float64("a", a), _as_2d_float64("b", b)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"Feature dims differ: {a.shape[1]} vs {b.shape[1]}.")
    size = min(subset_size, a.shape[0], b.shape[0])
    if size < 2:
        raise ValueError("KID needs at least 2 samples in each set.")
    dim = a.shape[1]
    rng = np.random.default_rng(seed)
    estimates = np.empty(num_subsets)
    for i in range(num_subsets):
        x = a[rng.choice(a.shape[0], size, replace=False)]
        y = b[rng.choice(b.shape[0], size, replace=False)]
        k_xx = (x @ x.T / dim + 1.0) ** 3
        k_yy = (y @ y.T / dim + 1.0) ** 3
        k_xy = (x @ y.T / dim + 1.0) ** 3
        # Unbiased: within-set sums leave out the diagonal (i == j) terms.
        within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (size * (size - 1))
        estimates[i] = within - 2.0 * k_xy.mean()
    return float(estimates.mean()), float(estimates.std())


def inception_score(probabilities, splits: int = 10):
    """exp(E_x KL(p(y|x) || p(y))) per split, returned as (mean, std) (Salimans et al. 2016)."""
    p = _as_2d_float64("probabilities", probabilities)
    if np.any(p < 0) or not np.allclose(p.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError("probabilities must be non-negative rows summing to 1 (softmax outputs).")
    if not 1 <= splits <= p.shape[0]:
        raise ValueError(f"splits must be in [1, {p.shape[0]}]; got {splits}.")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(axis=0, keepdims=True)
        # 0 * log(0 / q) is 0 by convention; np.where keeps log's -inf out of the sum.
        safe = np.where(part > 0, part, 1.0)
        kl = np.where(part > 0, part * (np.log(safe) - np.log(np.where(marginal > 0, marginal, 1.0))), 0.0)
        scores.append(np.exp(kl.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


def _pairwise_sq_distances(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    d = (x * x).sum(1)[:, None] - 2.0 * (x @ y.T) + (y * y).sum(1)[None, :]
    return np.maximum(d, 0.0)


def _knn_radii(features: np.ndarray, k: int, chunk: int) -> np.ndarray:
    """Squared distance from each row to its k-th nearest other row, `chunk` rows at a time."""
    radii = np.empty(features.shape[0])
    for start in range(0, features.shape[0], chunk):
        d = _pairwise_sq_distances(features[start : start + chunk], features)
        # Index k (not k-1) because each row's nearest neighbour is itself at distance 0.
        radii[start : start + chunk] = np.partition(d, k, axis=1)[:, k]
    return radii


def _coverage(manifold: np.ndarray, radii: np.ndarray, queries: np.ndarray, chunk: int) -> float:
    inside = np.empty(queries.shape[0], dtype=bool)
    for start in range(0, queries.shape[0], chunk):
        d = _pairwise_sq_distances(queries[start : start + chunk], manifold)
        inside[start : start + chunk] = (d <= radii[None, :]).any(axis=1)
    return float(inside.mean())


def precision_recall(real_features, fake_features, k: int = 3, chunk_size: int = 1000):
    """Improved precision and recall (Kynkaanniemi et al. 2019) as (precision, recall).

    Each set's manifold is the union of balls around its samples with radius the distance to the
    k-th nearest neighbour. Precision: fraction of fakes inside the real manifold; recall: fraction
    of reals inside the fake manifold. Distances are computed `chunk_size` rows at a time so
    10k x 10k needs chunk_size x 10k floats at once instead of 10^8.
    """
    real = _as_2d_float64("real_features", real_features)
    fake = _as_2d_float64("fake_features", fake_features)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"Feature dims differ: {real.shape[1]} vs {fake.shape[1]}.")
    if min(real.shape[0], fake.shape[0]) <= k:
        raise ValueError(f"Each set needs more than k={k} samples.")
    real_radii = _knn_radii(real, k, chunk_size)
    fake_radii = _knn_radii(fake, k, chunk_size)
    precision = _coverage(real, real_radii, fake, chunk_size)
    recall = _coverage(fake, fake_radii, real, chunk_size)
    return precision, recall
