"""Improved precision and recall as a keras Metric."""

from __future__ import annotations

from keras_gans.metrics.feature_metric import FeatureMetric
from keras_gans.metrics.math import precision_recall


class PrecisionRecall(FeatureMetric):
    """Precision (fidelity) and recall (coverage) from k-NN manifolds (Kynkaanniemi et al. 2019).

    FID mixes both failure modes into one number; this separates "samples look wrong" (low
    precision) from "samples miss modes" (low recall). `result()` returns {"precision", "recall"}.

    Args:
        k: neighbour whose distance sets each ball's radius (3 in the paper).
        other args: see `FeatureMetric`.
    """

    def __init__(self, extractor="fashion_mnist", real=None, k=3, name="precision_recall", **kwargs):
        super().__init__(extractor, real, name=name, **kwargs)
        self.k = k

    def result(self):
        precision, recall = precision_recall(self.real_features(), self.fake_outputs(), self.k)
        return {"precision": precision, "recall": recall}

    def get_config(self) -> dict:
        return {**super().get_config(), "k": self.k}
