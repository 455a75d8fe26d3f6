"""Auxiliary terms: losses beyond the adversarial one. A new one is a file and a registry line."""

from __future__ import annotations

from keras_gans.errors import build_registered
from keras_gans.trainer.terms.auxiliary_classifier import AuxiliaryClassifierLoss
from keras_gans.trainer.terms.base import AuxiliaryTerm, StepTensors
from keras_gans.trainer.terms.cycle_consistency import CycleConsistency
from keras_gans.trainer.terms.feature_matching import FeatureMatching
from keras_gans.trainer.terms.identity import IdentityMapping
from keras_gans.trainer.terms.mutual_information import MutualInformation
from keras_gans.trainer.terms.reconstruction import Reconstruction

TERMS = {
    "auxiliary_classifier": AuxiliaryClassifierLoss,
    "mutual_information": MutualInformation,
    "reconstruction": Reconstruction,
    "cycle_consistency": CycleConsistency,
    "identity": IdentityMapping,
    "feature_matching": FeatureMatching,
}


def get_term(name: str, **kwargs) -> AuxiliaryTerm:
    """Builds the term registered as `name`; unknown names and arguments raise a `ConfigError`."""
    return build_registered("auxiliary term", TERMS, name, kwargs)


__all__ = [
    "TERMS",
    "AuxiliaryClassifierLoss",
    "AuxiliaryTerm",
    "CycleConsistency",
    "FeatureMatching",
    "IdentityMapping",
    "MutualInformation",
    "Reconstruction",
    "StepTensors",
    "get_term",
]
