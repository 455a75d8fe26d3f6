"""The one place that knows how gradients are taken on the active Keras backend.

Everything above (regularizers, trainer, latent tools) calls these functions instead of
`tf.GradientTape`, so a JAX path can be added beside `tensorflow.py` without touching them.
"""

import keras

if keras.backend.backend() != "tensorflow":
    raise ImportError(
        f"keras_gans trains with the TensorFlow backend; KERAS_BACKEND is "
        f"{keras.backend.backend()!r}. Set KERAS_BACKEND=tensorflow before importing keras."
    )

from keras_gans.backend.tensorflow import input_gradients, loss_gradients  # noqa: E402

__all__ = ["input_gradients", "loss_gradients"]
