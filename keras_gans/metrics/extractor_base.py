"""The feature-extractor protocol every metric takes, and the shared Keras-model implementation."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from keras_gans.errors import DataError

# Generators end in tanh, so anything a little past +-1 is rounding; far past it means the caller
# passed [0, 255] or [0, 1] images, which would silently shift every feature.
_RANGE_TOLERANCE = 0.05


@runtime_checkable
class FeatureExtractor(Protocol):
    """Maps images in [-1, 1] to features (FID, KID, precision/recall) and class probabilities (IS).

    Attributes:
        name: registry name; reported beside every metric value so numbers from different
            extractors are never compared by accident.
        input_shape: (height, width, channels) the network sees; other inputs are resized.
    """

    name: str
    input_shape: tuple

    def features(self, images, batch_size: int = 100) -> np.ndarray: ...

    def probabilities(self, images, batch_size: int = 100) -> np.ndarray: ...


def prepare_images(images, input_shape) -> np.ndarray:
    """float32 NHWC in [-1, 1] at `input_shape`: checks range, matches channels, resizes."""
    import keras

    images = np.asarray(keras.ops.convert_to_numpy(images), dtype=np.float32)
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4:
        raise DataError(f"Expected images [N, H, W, C]; got shape {images.shape}.")
    lo, hi = float(images.min(initial=0.0)), float(images.max(initial=0.0))
    if lo < -1 - _RANGE_TOLERANCE or hi > 1 + _RANGE_TOLERANCE:
        raise DataError(
            f"Images must be in [-1, 1] (keras_gans convention); got values in [{lo:.3g}, {hi:.3g}]. "
            "Scale uint8 images with x / 127.5 - 1."
        )
    images = np.clip(images, -1.0, 1.0)
    height, width, channels = input_shape
    if images.shape[-1] != channels:
        if images.shape[-1] == 1:
            images = np.repeat(images, channels, axis=-1)
        elif channels == 1 and images.shape[-1] == 3:
            images = images.mean(axis=-1, keepdims=True)
        else:
            raise DataError(f"Cannot turn {images.shape[-1]}-channel images into {channels} channels.")
    if images.shape[1:3] != (height, width):
        shrinking = images.shape[1] > height or images.shape[2] > width
        images = keras.ops.convert_to_numpy(
            keras.ops.image.resize(images, (height, width), interpolation="bilinear", antialias=shrinking)
        )
    return images


class KerasExtractor:
    """Base for extractors backed by a Keras model with outputs [features, probabilities].

    Subclasses set `self.model` (outputs a list; the probabilities output may be missing) and
    `self._probability_error` (why there is no classifier head, or None).
    """

    name = "keras"
    input_shape = (None, None, None)
    model = None
    _probability_error: str | None = None

    def _predict(self, images, batch_size: int):
        images = prepare_images(images, self.input_shape)
        outputs = []
        # predict_on_batch reuses one compiled predict function across batches and calls.
        for start in range(0, images.shape[0], batch_size):
            out = self.model.predict_on_batch(images[start : start + batch_size])
            outputs.append([np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])])
        return [np.concatenate(parts, axis=0) for parts in zip(*outputs)]

    def features(self, images, batch_size: int = 100) -> np.ndarray:
        return self._predict(images, batch_size)[0].astype(np.float32)

    def probabilities(self, images, batch_size: int = 100) -> np.ndarray:
        if self._probability_error is not None:
            raise ValueError(self._probability_error)
        return self._predict(images, batch_size)[1].astype(np.float64)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, input_shape={self.input_shape})"
