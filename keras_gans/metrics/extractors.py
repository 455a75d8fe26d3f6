"""Feature extractors by name: `get_extractor("inception_2015")` (the FID of papers), "fashion_mnist", ...

Each extractor has a `distance_name`: "fid" only for the reference network; others report their
Frechet distance under their own name (`fd_fashion_classifier`), so no other number is called FID.
"""

from __future__ import annotations

from keras_gans.errors import ConfigError, unknown_choice
from keras_gans.metrics.extractor_base import FeatureExtractor, KerasExtractor, prepare_images
from keras_gans.metrics.fashion_mnist import FashionMNISTClassifier
from keras_gans.metrics.inception import InceptionV3Extractor, InceptionWeightsMissing
from keras_gans.metrics.inception_fid import FIDInception

EXTRACTORS = {
    "inception_2015": FIDInception,
    "inception_v3": InceptionV3Extractor,
    "fashion_mnist": FashionMNISTClassifier,
}

__all__ = [
    "EXTRACTORS", "FIDInception", "FashionMNISTClassifier", "FeatureExtractor", "InceptionV3Extractor",
    "InceptionWeightsMissing", "KerasExtractor", "distance_names", "get_extractor", "prepare_images",
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


def distance_names(extractor) -> tuple[str, str]:
    """("fid", "kid") for the reference network, ("fd_<x>", "kd_<x>") for any other extractor."""
    name = getattr(extractor, "distance_name", None) or f"fd_{extractor.name}"
    return ("fid", "kid") if name == "fid" else (name, "kd_" + name.removeprefix("fd_"))
