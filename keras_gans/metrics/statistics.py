"""Real-data reference statistics, cached once per dataset/split/extractor/resolution, and the FID floor."""

from __future__ import annotations

import dataclasses
import os
import re

import numpy as np

from keras_gans.errors import DataError
from keras_gans.metrics.cache import atomic_path, cache_dir
from keras_gans.metrics.math import frechet_distance_from_activations, mean_and_covariance


@dataclasses.dataclass
class RealStatistics:
    """Extractor features of real images plus their mean/covariance, and where they came from.

    Args:
        features: float32 [num_samples, dim] extractor features (KID and precision/recall need
            them; FID only needs `mu`/`sigma`).
        mu, sigma: float64 mean [dim] and covariance [dim, dim] of `features`.
        dataset, split: what the reference is ("fashion_mnist", "test"); reported with every value.
        extractor: the extractor's `name`.
        resolution: (height, width) of the real images before the extractor resized them.
        path: the cache file, or None when computed in memory.
    """

    features: np.ndarray
    mu: np.ndarray
    sigma: np.ndarray
    dataset: str
    split: str
    extractor: str
    resolution: tuple
    path: str | None = None

    @property
    def num_samples(self) -> int:
        return int(self.features.shape[0])

    @classmethod
    def from_features(cls, features, dataset="unspecified", split="unspecified", extractor="unspecified",
                      resolution=(0, 0), path=None) -> RealStatistics:
        features = np.asarray(features, dtype=np.float32)
        mu, sigma = mean_and_covariance(features)
        return cls(features, mu, sigma, dataset, split, extractor, tuple(resolution), path)

    @classmethod
    def from_images(cls, images, extractor, dataset="unspecified", split="unspecified", batch_size=100):
        """Features of real images [N, H, W, C] in [-1, 1], not cached (the caller owns the data)."""
        images = np.asarray(images)
        return cls.from_features(extractor.features(images, batch_size), dataset, split, extractor.name,
                                 images.shape[1:3])


def _slug(value) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", str(value))


def statistics_path(dataset_name, split, extractor_name, resolution, num_samples, cache_directory=None) -> str:
    """The cache file; every field that changes the numbers is in its name, so entries never clash."""
    height, width = (resolution, resolution) if isinstance(resolution, int) else tuple(resolution)
    name = f"{_slug(dataset_name)}-{_slug(split)}-{_slug(extractor_name)}-{height}x{width}-n{num_samples}.npz"
    return os.path.join(cache_directory or cache_dir("statistics"), name)


def real_statistics(dataset_name, split, extractor, num_samples, images_fn, resolution,
                    cache_directory=None, batch_size=100) -> RealStatistics:
    """Loads the cached real-data statistics, or computes them once and caches them.

    Args:
        dataset_name, split: identify the reference data, e.g. "fashion_mnist", "test".
        extractor: a `FeatureExtractor` or registry name; its `name` is part of the cache key.
        num_samples: how many real images the statistics use (part of the key).
        images_fn: `images_fn(num_samples)` -> real images [num_samples, H, W, C] in [-1, 1]; only
            called on a cache miss, so loading the dataset is skipped when the entry exists.
        resolution: (height, width) or int the images have (part of the key; checked on a miss).
        cache_directory: default `<cache>/statistics` (`$KERAS_GANS_CACHE` or ~/.cache/keras_gans).
    """
    from keras_gans.metrics.extractors import get_extractor

    extractor = get_extractor(extractor)
    resolution = (resolution, resolution) if isinstance(resolution, int) else tuple(resolution)
    path = statistics_path(dataset_name, split, extractor.name, resolution, num_samples, cache_directory)
    if os.path.isfile(path):
        with np.load(path) as stored:
            return RealStatistics(stored["features"], stored["mu"], stored["sigma"], dataset_name, split,
                                  extractor.name, resolution, path)
    images = np.asarray(images_fn(num_samples))
    if images.shape[0] != num_samples or tuple(images.shape[1:3]) != resolution:
        raise DataError(
            f"images_fn({num_samples}) returned shape {images.shape}; expected "
            f"[{num_samples}, {resolution[0]}, {resolution[1]}, C] for the {dataset_name}/{split} statistics."
        )
    stats = RealStatistics.from_features(extractor.features(images, batch_size), dataset_name, split,
                                         extractor.name, resolution, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, features=stats.features, mu=stats.mu, sigma=stats.sigma)
    return stats


def fid_floor(real, num_samples: int, seed: int = 0) -> tuple[float, int]:
    """FID between two disjoint random real samples of `num_samples` each: what "perfect" scores.

    FID is biased upwards at finite sample size, so even real-vs-real is above 0; a generator's FID
    means something only next to this floor at the same size. When fewer than 2 * num_samples real
    features exist, the two halves shrink to len // 2 and the size actually used is returned.

    Args:
        real: `RealStatistics` or real features [N, dim].
    Returns:
        (floor, samples_per_side).
    """
    features = real.features if isinstance(real, RealStatistics) else np.asarray(real)
    size = min(int(num_samples), features.shape[0] // 2)
    if size < 2:
        raise DataError(f"The FID floor needs at least 4 real samples; got {features.shape[0]}.")
    order = np.random.default_rng(seed).permutation(features.shape[0])
    return frechet_distance_from_activations(features[order[:size]], features[order[size : 2 * size]]), size
