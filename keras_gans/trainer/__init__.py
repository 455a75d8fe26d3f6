"""The adversarial trainer, what conditions it, the terms and tricks it composes."""

from keras_gans.trainer.conditioning import (
    ClassLabels,
    Conditioning,
    LatentCodes,
    PairedImages,
    Unconditional,
    UnpairedImages,
)
from keras_gans.trainer.factory import build_conditioning, build_terms, build_trainer
from keras_gans.trainer.gan import GAN
from keras_gans.trainer.history import HistoryBuffer
from keras_gans.trainer.sampling import class_grid, code_grid, translation_grid

__all__ = [
    "ClassLabels",
    "Conditioning",
    "GAN",
    "HistoryBuffer",
    "LatentCodes",
    "PairedImages",
    "Unconditional",
    "UnpairedImages",
    "build_conditioning",
    "build_terms",
    "build_trainer",
    "class_grid",
    "code_grid",
    "translation_grid",
]
