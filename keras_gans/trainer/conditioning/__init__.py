"""Conditionings: what drives the generator, and how a data batch feeds both networks."""

from keras_gans.trainer.conditioning.base import Conditioning, Unconditional, images_of
from keras_gans.trainer.conditioning.class_labels import ClassLabels
from keras_gans.trainer.conditioning.image_pairs import PairedImages, UnpairedImages
from keras_gans.trainer.conditioning.latent_codes import LatentCodes

# The names `GANConfig.conditioning` takes.
CONDITIONINGS = ("none", "class", "codes", "paired", "unpaired")

__all__ = [
    "CONDITIONINGS",
    "ClassLabels",
    "Conditioning",
    "LatentCodes",
    "PairedImages",
    "Unconditional",
    "UnpairedImages",
    "images_of",
]
