"""Labs: latent-space tools (interpolation, inversion, morphing) and the training labs
(mode collapse on 2-D mixtures, Dirac-GAN numerics). `keras_gans.labs.cli.register` adds their
commands.

The public functions are imported lazily, so that the command line can import
`keras_gans.labs.cli` (and answer `--help`) without loading TensorFlow.
"""

import importlib

_EXPORTS = {
    "interpolate": "latent",
    "interpolate_classes": "latent",
    "interpolation_grid": "latent",
    "lerp": "latent",
    "slerp": "latent",
    "invert": "inversion",
    "morph": "inversion",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"keras_gans.labs.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'keras_gans.labs' has no attribute {name!r}")
