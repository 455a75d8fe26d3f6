"""Labs: latent-space tools (interpolation, inversion, morphing) and the training labs
(mode collapse on 2-D mixtures, Dirac-GAN numerics). `keras_gans.labs.cli.register` adds their
commands.

The public functions are imported lazily, so that the command line can import
`keras_gans.labs.cli` (and answer `--help`) without loading TensorFlow.
"""

from keras_gans.lazy import lazy_attributes

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


__getattr__, __dir__ = lazy_attributes(__name__, {name: f"keras_gans.labs.{module}" for name, module in _EXPORTS.items()})
