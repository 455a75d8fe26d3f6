"""Shared base of the sample-quality metrics: host-side feature accumulation against a reference."""

from __future__ import annotations

import numpy as np

import keras

from keras_gans.errors import ConfigError
from keras_gans.metrics.extractors import get_extractor
from keras_gans.metrics.statistics import RealStatistics


class FeatureMetric(keras.metrics.Metric):
    """Accumulates extractor outputs of fake (and optionally real) images in numpy on the host.

    FID and friends are not averages of per-batch values (a covariance of all samples is needed),
    so features are kept until `result()`; they live on the host because the math is float64
    scipy. `update_state` runs eagerly (call it from a callback or an eager `test_step`).

    Args:
        extractor: a `FeatureExtractor` or a registry name ("inception_2015", "fashion_mnist").
        real: `RealStatistics` of the reference data (typically cached with `real_statistics`),
            or None to accumulate real features from `update_state(real_images=...)`.
        reference_split: label for the reference when `real` is None (e.g. "test").
        batch_size: extractor batch size.
        name: metric name (keys in keras logs).
    """

    uses_probabilities = False

    def __init__(self, extractor="fashion_mnist", real: RealStatistics | None = None,
                 reference_split: str = "unspecified", batch_size: int = 100, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.extractor = get_extractor(extractor)
        if real is not None and real.extractor != self.extractor.name:
            raise ConfigError(
                f"Real statistics were computed with extractor {real.extractor!r} but this metric uses "
                f"{self.extractor.name!r}; values from different extractors are not comparable."
            )
        self.real = real
        self.reference_split = real.split if real is not None else reference_split
        self.batch_size = batch_size
        self._fake, self._real = [], []

    def update_state(self, real_images=None, fake_images=None, sample_weight=None):
        if real_images is not None:
            if self.real is not None:
                raise ConfigError("This metric already has cached real statistics; pass only fake_images.")
            self._real.append(self.extractor.features(real_images, self.batch_size))
        if fake_images is not None:
            extract = self.extractor.probabilities if self.uses_probabilities else self.extractor.features
            self._fake.append(extract(fake_images, self.batch_size))

    def update_features(self, real=None, fake=None):
        """Adds precomputed extractor outputs, so one extraction can feed several metrics."""
        if real is not None:
            self._real.append(np.asarray(real))
        if fake is not None:
            self._fake.append(np.asarray(fake))

    def reset_state(self):
        self._fake, self._real = [], []

    @property
    def num_samples(self) -> int:
        return int(sum(len(f) for f in self._fake))

    def fake_outputs(self) -> np.ndarray:
        if not self._fake:
            raise ValueError(f"{self.name}: no fake images yet; call update_state(fake_images=...).")
        return np.concatenate(self._fake, axis=0)

    def real_features(self) -> np.ndarray:
        if self.real is not None:
            return self.real.features
        if not self._real:
            raise ValueError(f"{self.name}: no reference; pass real= or update_state(real_images=...).")
        return np.concatenate(self._real, axis=0)

    def describe(self) -> dict:
        """The value(s) with what they mean: extractor, sample count, reference split and size."""
        value = self.result()
        info = dict(value) if isinstance(value, dict) else {"value": value}
        info.update(extractor=self.extractor.name, num_samples=self.num_samples,
                    reference_split=self.reference_split,
                    protocol=getattr(self.extractor, "description", self.extractor.name))
        if not self.uses_probabilities:
            info["reference_num_samples"] = int(self.real_features().shape[0])
            if self.real is not None:
                info["reference_dataset"] = self.real.dataset
        return info

    def get_config(self) -> dict:
        return {"name": self.name, "reference_split": self.reference_split, "batch_size": self.batch_size,
                "extractor": self.extractor.name}
