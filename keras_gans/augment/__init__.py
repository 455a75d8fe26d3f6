"""Augmentations of the discriminator's inputs: one file each, one registry line each."""

from __future__ import annotations

from keras_gans.augment.base import Augmentation
from keras_gans.errors import ConfigError, unknown_choice

AUGMENTATIONS = {
    "none": Augmentation,
}


def get_augmentation(name: str, **kwargs) -> Augmentation:
    """The registered augmentation called `name`, built with `kwargs`."""
    if name not in AUGMENTATIONS:
        raise unknown_choice("augment", name, AUGMENTATIONS, ConfigError)
    return AUGMENTATIONS[name](**kwargs)


__all__ = ["AUGMENTATIONS", "Augmentation", "get_augmentation"]
