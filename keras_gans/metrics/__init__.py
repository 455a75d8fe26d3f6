"""Sample-quality metrics: FID, KID, Inception Score, precision/recall.

FID proper is the Frechet distance of `FIDInception` features (the TTUR reference network, one
named protocol); other extractors give Frechet distances under their own names.

The math (`keras_gans.metrics.math`) works on any activations; extractors turn images into them;
the keras `Metric`s accumulate them; `evaluate_generator` ties it together with a real reference
whose statistics are cached on disk.
"""

from keras_gans.metrics.cache import cache_dir
from keras_gans.metrics.evaluate import METRICS, evaluate_generator, get_metric, resolve_latent_dim
from keras_gans.metrics.extractors import (
    EXTRACTORS,
    FashionMNISTClassifier,
    FIDInception,
    FeatureExtractor,
    InceptionV3Extractor,
    InceptionWeightsMissing,
    distance_names,
    get_extractor,
)
from keras_gans.metrics.fid_protocol import PROTOCOLS
from keras_gans.metrics.feature_metric import FeatureMetric
from keras_gans.metrics.fid import FID
from keras_gans.metrics.inception_score import InceptionScore
from keras_gans.metrics.kid import KID
from keras_gans.metrics.math import (
    frechet_distance,
    frechet_distance_from_activations,
    inception_score,
    kernel_inception_distance,
    precision_recall,
)
from keras_gans.metrics.precision_recall import PrecisionRecall
from keras_gans.metrics.statistics import RealStatistics, fid_floor, real_statistics, statistics_path

__all__ = [
    "EXTRACTORS", "FID", "FIDInception", "KID", "METRICS", "PROTOCOLS", "FashionMNISTClassifier", "FeatureExtractor", "FeatureMetric",
    "InceptionScore", "InceptionV3Extractor", "InceptionWeightsMissing", "PrecisionRecall",
    "RealStatistics", "cache_dir", "evaluate_generator", "fid_floor", "frechet_distance",
    "frechet_distance_from_activations", "distance_names", "get_extractor", "get_metric", "inception_score",
    "kernel_inception_distance", "precision_recall", "real_statistics", "resolve_latent_dim",
    "statistics_path",
]
