"""keras_gans: train, watch and serve GANs with Keras 3."""

import os

# The trainer's gradient code lives in keras_gans.backend and targets TensorFlow; pick it before
# keras is imported anywhere, unless the user chose a backend explicitly.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__version__ = "0.1.0"
