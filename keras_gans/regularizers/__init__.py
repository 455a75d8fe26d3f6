"""Discriminator regularizers: penalties added to its loss and projections after its updates."""

from __future__ import annotations

from keras_gans.errors import build_registered
from keras_gans.regularizers.base import Regularizer
from keras_gans.regularizers.gradient_penalty import GradientPenalty
from keras_gans.regularizers.lecam import LeCamRegularizer
from keras_gans.regularizers.r1 import R1Penalty
from keras_gans.regularizers.r2 import R2Penalty
from keras_gans.regularizers.weight_clipping import WeightClipping

REGULARIZERS = {
    "gradient_penalty": GradientPenalty,
    "lecam": LeCamRegularizer,
    "r1": R1Penalty,
    "r2": R2Penalty,
    "weight_clipping": WeightClipping,
}


def get_regularizer(name: str, **kwargs) -> Regularizer:
    """Builds the regularizer registered as `name` with constructor arguments `kwargs`.

    An unknown name or argument raises a `ConfigError` naming the valid choices and the closest
    match, e.g. `get_regularizer("r1", weight=5)` points out that R1 takes `gamma`.
    """
    return build_registered("regularizer", REGULARIZERS, name, kwargs)


__all__ = [
    "REGULARIZERS",
    "GradientPenalty",
    "LeCamRegularizer",
    "R1Penalty",
    "R2Penalty",
    "Regularizer",
    "WeightClipping",
    "get_regularizer",
]
