"""keras_gans: train, watch and serve GANs with Keras 3.

    >>> import keras_gans
    >>> result = keras_gans.fit("dcgan", dataset="fashion_mnist", steps=2000)
    >>> images = result.generator(keras.random.normal((16, result.latent_dim)))
    >>> keras_gans.export(result.run_dir, name="fashion_dcgan")      # export/fashion_dcgan/1/
"""

import importlib
import importlib.util
import os

# The backend must be chosen before keras is imported anywhere. Unless the user chose one:
# TensorFlow where it is installed (tf.data, tensorflow-datasets, export), else JAX, as on a GPU
# machine with JAX alone.
if "KERAS_BACKEND" not in os.environ:
    _found = importlib.util.find_spec("tensorflow") or not importlib.util.find_spec("jax")
    os.environ["KERAS_BACKEND"] = "tensorflow" if _found else "jax"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from keras_gans.startup import quiet_tensorflow_startup  # noqa: E402

quiet_tensorflow_startup()

__version__ = "0.1.0"

# Public name -> module that defines it. Importing keras_gans stays cheap (the CLI answers --help
# without loading TensorFlow); each part loads on first use.
_API = {
    "fit": "keras_gans.fitting",
    "FitResult": "keras_gans.fitting",
    "build_gan": "keras_gans.assembly",
    "GANConfig": "keras_gans.config",
    "load_recipe": "keras_gans.config",
    "available_recipes": "keras_gans.config",
    "load": "keras_gans.checkpoints.load",
    "load_run": "keras_gans.checkpoints.load",
    "evaluate": "keras_gans.checkpoints.evaluate",
    "evaluate_run": "keras_gans.checkpoints.evaluate",
    "export": "keras_gans.exporting.run",
    "invert": "keras_gans.labs",
    "interpolate": "keras_gans.labs",
    "morph": "keras_gans.labs",
    "load_dataset": "keras_gans.data",
    "TrainingDiverged": "keras_gans.callbacks.health",
    "ConfigError": "keras_gans.errors",
    "DataError": "keras_gans.errors",
}


def __getattr__(name):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'keras_gans' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_API])
