"""Augmentations of the discriminator's inputs: one file each, one registry line each.

DiffAugment (Zhao et al. 2020) and adaptive augmentation (ADA, Karras et al. 2020).
"""

from __future__ import annotations

from keras_gans.augment.ada import AdaptiveAugment
from keras_gans.augment.base import Augmentation
from keras_gans.augment.diffaugment import DiffAugment
from keras_gans.errors import build_registered

AUGMENTATIONS = {
    "none": Augmentation,
    "ada": AdaptiveAugment,
    "diffaugment": DiffAugment,
}


def get_augmentation(name: str, **kwargs) -> Augmentation:
    """Builds the augmentation registered as `name` with constructor arguments `kwargs`.

    An unknown name or argument raises a `ConfigError` naming the valid choices and the closest
    match.
    """
    return build_registered("augmentation", AUGMENTATIONS, name, kwargs)


__all__ = ["AUGMENTATIONS", "AdaptiveAugment", "Augmentation", "DiffAugment", "get_augmentation"]
