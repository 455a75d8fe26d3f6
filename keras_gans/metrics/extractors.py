"""Feature extractors by name: `get_extractor("fashion_mnist")`, `get_extractor("inception_v3")`."""

from __future__ import annotations

from keras_gans.errors import ConfigError, unknown_choice
from keras_gans.metrics.extractor_base import FeatureExtractor, KerasExtractor, prepare_images
from keras_gans.metrics.fashion_mnist import FashionMNISTClassifier
from keras_gans.metrics.inception import InceptionV3Extractor, InceptionWeightsMissing

EXTRACTORS = {
    "inception_v3": InceptionV3Extractor,
    "fashion_mnist": FashionMNISTClassifier,
}

__all__ = [
    "EXTRACTORS", "FashionMNISTClassifier", "FeatureExtractor", "InceptionV3Extractor",
    "InceptionWeightsMissing", "KerasExtractor", "get_extractor", "prepare_images",
]


def get_extractor(name, **kwargs) -> FeatureExtractor:
    """An extractor instance from its registry name (kwargs go to its constructor).

    An object that already implements `FeatureExtractor` is returned unchanged, so every API that
    takes `extractor=` accepts either.
    """
    if not isinstance(name, str):
        if isinstance(name, FeatureExtractor):
            return name
        raise ConfigError(f"extractor must be a name or a FeatureExtractor; got {type(name).__name__}.")
    if name not in EXTRACTORS:
        raise unknown_choice("feature extractor", name, EXTRACTORS, ConfigError)
    return EXTRACTORS[name](**kwargs)
