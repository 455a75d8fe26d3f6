"""Inception Score as a keras Metric."""

from __future__ import annotations

from keras_gans.metrics.feature_metric import FeatureMetric
from keras_gans.metrics.math import inception_score


class InceptionScore(FeatureMetric):
    """exp(E KL(p(y|x) || p(y))) from the extractor's classifier head (Salimans et al. 2016).

    Needs no real data; the reference is the classifier's training set, which `describe()` reports
    as the reference split. `result()` returns {"is": mean, "is_std": std over splits}.

    Args:
        splits: number of splits the samples are scored in (10 in the paper).
        other args: see `FeatureMetric`.
    """

    uses_probabilities = True

    def __init__(self, extractor="fashion_mnist", real=None, splits=10, name="inception_score", **kwargs):
        kwargs.setdefault("reference_split", "classifier training set")
        super().__init__(extractor, real, name=name, **kwargs)
        self.splits = splits

    def result(self):
        probabilities = self.fake_outputs()
        mean, std = inception_score(probabilities, min(self.splits, probabilities.shape[0]))
        return {"is": mean, "is_std": std}

    def get_config(self) -> dict:
        return {**super().get_config(), "splits": self.splits}
