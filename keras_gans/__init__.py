"""keras_gans: train, watch and serve GANs with Keras 3.

    >>> import keras_gans
    >>> result = keras_gans.fit("dcgan", dataset="fashion_mnist", steps=2000)
    >>> images = result.generator(keras.random.normal((16, result.latent_dim)))
"""

import os

# The trainer's gradient code lives in keras_gans.backend and targets TensorFlow; pick it before
# keras is imported anywhere, unless the user chose a backend explicitly.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"


def __getattr__(name):
    # Importing keras_gans stays cheap (the CLI answers --help without loading TensorFlow);
    # the heavy parts load on first use.
    if name in ("fit", "FitResult", "build_gan"):
        from keras_gans import fitting as fit_module

        return getattr(fit_module, name)
    if name in ("GANConfig", "load_recipe", "available_recipes"):
        from keras_gans import config

        return getattr(config, name)
    raise AttributeError(f"module 'keras_gans' has no attribute {name!r}")
