"""Frechet Inception Distance as a keras Metric."""

from __future__ import annotations

from keras_gans.metrics.extractors import distance_names
from keras_gans.metrics.feature_metric import FeatureMetric
from keras_gans.metrics.math import frechet_distance, frechet_distance_from_activations, mean_and_covariance
from keras_gans.metrics.statistics import fid_floor


class FID(FeatureMetric):
    """Frechet distance between Gaussians fitted to real and fake extractor features (Heusel 2017).

    `result()` is the FID; `describe()` adds the real-data floor (two disjoint real samples of the
    same size, see `fid_floor`) when the reference holds enough features.

    Args: see `FeatureMetric` (extractor, real, reference_split, batch_size, name).

    Example:
        fid = FID("fashion_mnist", real=real_statistics("fashion_mnist", "test", ...))
        fid.update_state(fake_images=generator(z)); fid.describe()["value"]
    """

    def __init__(self, extractor="fashion_mnist", real=None, name="fid", **kwargs):
        super().__init__(extractor, real, name=name, **kwargs)

    def result(self):
        fake = self.fake_outputs()
        if self.real is not None:
            mu, sigma = mean_and_covariance(fake)
            return frechet_distance(mu, sigma, self.real.mu, self.real.sigma)
        return frechet_distance_from_activations(self.real_features(), fake)

    def describe(self) -> dict:
        info = super().describe()
        info["name"] = distance_names(self.extractor)[0]  # "fid" only for the reference network
        real = self.real_features()
        if real.shape[0] >= 4:
            info["floor"], info["floor_num_samples"] = fid_floor(real, self.num_samples)
        return info
