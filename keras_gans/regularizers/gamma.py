"""R1/R2 strength that fits the data: StyleGAN2-ADA's `gamma = 0.0002 * resolution^2 / batch`.

Mescheder et al.'s gamma = 10 comes from 1024px-scale experiments; Karras et al. 2020
(`train.py`, `--cfg auto`) scale it with the number of pixels and inversely with the batch, which
at 28x28 and batch 64 gives 0.00245. A recipe asks for it with `gamma: auto`.
"""

from __future__ import annotations

import numbers

from keras_gans.errors import ConfigError

AUTO = "auto"


def auto_gamma(resolution: int, batch_size: int) -> float:
    """StyleGAN2-ADA's heuristic R1 gamma for square images of side `resolution`."""
    return 0.0002 * float(resolution) ** 2 / float(batch_size)


def resolve_gamma(arguments, image_shape, batch_size) -> dict:
    """A regularizer's arguments with `gamma: auto` replaced by `auto_gamma` for the data.

    `image_shape` is (height, width, ...) of the training images; the larger side counts.
    """
    arguments = dict(arguments or {})
    gamma = arguments.get("gamma")
    if isinstance(gamma, str):
        if gamma != AUTO:
            raise ConfigError(f"gamma must be a number >= 0 or {AUTO!r} (StyleGAN2-ADA's 0.0002 * "
                              f"resolution^2 / batch); got {gamma!r}.")
        if len(image_shape) < 2:
            raise ConfigError(f"gamma: {AUTO} scales with image resolution; data of shape {tuple(image_shape)} "
                              "has none. Give gamma as a number (Mescheder et al. use 10 on 2-D mixtures).")
        arguments["gamma"] = auto_gamma(max(int(image_shape[0]), int(image_shape[1])), batch_size)
    elif gamma is not None and (isinstance(gamma, bool) or not isinstance(gamma, numbers.Real)):
        raise ConfigError(f"gamma must be a number >= 0 or {AUTO!r}; got {gamma!r}.")
    return arguments
