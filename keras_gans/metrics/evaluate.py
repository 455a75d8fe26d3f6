"""`evaluate_generator`: sample a generator, extract features once, report every metric with context."""

from __future__ import annotations

import numpy as np

import keras

from keras_gans.errors import ConfigError, unknown_choice
from keras_gans.metrics.extractors import get_extractor
from keras_gans.metrics.fid import FID
from keras_gans.metrics.inception_score import InceptionScore
from keras_gans.metrics.kid import KID
from keras_gans.metrics.precision_recall import PrecisionRecall
from keras_gans.metrics.statistics import RealStatistics

METRICS = {"fid": FID, "kid": KID, "is": InceptionScore, "precision_recall": PrecisionRecall}


def get_metric(name: str, **kwargs) -> keras.metrics.Metric:
    """A metric instance from its registry name ("fid", "kid", "is", "precision_recall")."""
    if name not in METRICS:
        raise unknown_choice("metric", name, METRICS, ConfigError)
    return METRICS[name](**kwargs)


def resolve_latent_dim(generator, latent_dim: int | None = None) -> int:
    """`latent_dim` if given, else `generator.latent_dim`, else the last dim of its first input."""
    if latent_dim is not None:
        return int(latent_dim)
    if getattr(generator, "latent_dim", None) is not None:
        return int(generator.latent_dim)
    inputs = getattr(generator, "inputs", None)
    if inputs:
        dim = inputs[0].shape[-1]
        if dim is not None:
            return int(dim)
    raise ConfigError("Cannot tell the generator's latent size: pass latent_dim= or give it a latent_dim attribute.")


def sample_images(generator, num_samples: int, latent_dim: int, batch_size: int, seed: int = 0):
    """Yields image batches from z ~ N(0, I) drawn with a fixed numpy seed (same z every evaluation)."""
    rng = np.random.default_rng(seed)
    is_layer = isinstance(generator, keras.Layer)
    for start in range(0, num_samples, batch_size):
        z = rng.standard_normal((min(batch_size, num_samples - start), latent_dim)).astype(np.float32)
        # Keras models get training=False so dropout/batch-norm behave as at inference.
        images = generator(z, training=False) if is_layer else generator(z)
        yield keras.ops.convert_to_numpy(images)


def evaluate_generator(generator, real, metrics=("fid", "kid"), num_samples: int = 10000,
                       extractor="fashion_mnist", batch_size: int = 100, latent_dim: int | None = None,
                       seed: int = 0, reference_split: str = "unspecified", include_floor: bool = True) -> dict:
    """Scores `generator` against `real` on the requested metrics.

    Args:
        generator: any callable z [N, latent_dim] float32 -> images [N, H, W, C] in [-1, 1]
            (a keras generator, `gan.generator`, a lambda). Conditional generators need a
            wrapper that draws the labels: `lambda z: g([z, labels_for(z)])`.
        real: `RealStatistics` (e.g. from the cached `real_statistics`) or real images in [-1, 1].
        metrics: names from `METRICS`.
        num_samples: generated images scored.
        extractor: `FeatureExtractor` or registry name; must match `real.extractor`.
        latent_dim: see `resolve_latent_dim`.
        seed: seeds the latent draws, so two evaluations of one generator see the same z.
        reference_split: label for `real` when it is an image array.
        include_floor: add FID's real-data floor at the same sample size.

    Returns:
        {metric: {"value" (or "kid"/"precision"/... for multi-valued ones), "extractor",
        "num_samples", "reference_split", "reference_num_samples", ["floor", "floor_num_samples"]}}.
    """
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    for name in metrics:
        if name not in METRICS:
            raise unknown_choice("metric", name, METRICS, ConfigError)
    extractor = get_extractor(extractor)
    if not isinstance(real, RealStatistics):
        real = RealStatistics.from_images(real, extractor, split=reference_split, batch_size=batch_size)
    instances = {name: get_metric(name, extractor=extractor, real=real, batch_size=batch_size) for name in metrics}
    needs_features = any(not m.uses_probabilities for m in instances.values())
    needs_probabilities = any(m.uses_probabilities for m in instances.values())
    latent_dim = resolve_latent_dim(generator, latent_dim)
    for images in sample_images(generator, num_samples, latent_dim, batch_size, seed):
        # One extraction per batch feeds every metric; the extractor is the expensive part.
        features = extractor.features(images, batch_size) if needs_features else None
        probabilities = extractor.probabilities(images, batch_size) if needs_probabilities else None
        for metric in instances.values():
            metric.update_features(fake=probabilities if metric.uses_probabilities else features)
    report = {}
    for name, metric in instances.items():
        info = metric.describe()
        if not include_floor:
            info.pop("floor", None), info.pop("floor_num_samples", None)
        report[name] = info
    return report
