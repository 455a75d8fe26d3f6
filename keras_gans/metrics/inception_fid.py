"""`FIDInception`: the FID reference network as a feature extractor, with its protocol in its name."""

from __future__ import annotations

import numpy as np

import keras

from keras_gans.errors import ConfigError, DataError
from keras_gans.metrics.fid_protocol import PROTOCOLS, TTURPreprocess, check_protocol, clean_resize, quantize
from keras_gans.metrics.inception_2015 import INPUT_SIDE
from keras_gans.metrics.inception_weights import PTH_FILE, load_inception_2015

NETWORK = "Inception 2015-12-05 (TTUR / pytorch-fid) pool3, 2048-d"


class FIDInception:
    """Standard FID features: the TTUR reference network behind a named input protocol.

    Values from this extractor are the FID of papers (pytorch-fid, TTUR; clean-fid with
    `protocol="clean"`). Images are [N, H, W, 1|3] in [-1, 1] (generated or real, any size) or
    uint8 pixels; they are quantized, made RGB, resized and scaled as `fid_protocol` describes.
    The weights are converted once from torch files (see `inception_weights`); when they are
    missing the constructor raises `InceptionWeightsMissing` saying what to install.

    Args:
        protocol: "ttur" (TF1 bilinear resize, the reference) or "clean" (clean-fid's bicubic).
        cache_directory: where the converted weights live; default `<cache>/fid`.
        source: a torch file to convert (TorchScript `.pt` or pytorch-fid `.pth`); default: found.

    Example:
        extractor = FIDInception()
        features = extractor.features(images)        # [N, 2048]
        extractor.description                         # network and protocol, for the report

    Reference: Heusel et al. 2017 (FID, TTUR); Szegedy et al. 2016 (Inception).
    """

    input_shape = (INPUT_SIDE, INPUT_SIDE, 3)
    distance_name = "fid"

    def __init__(self, protocol: str = "ttur", cache_directory: str | None = None, source: str | None = None):
        self.protocol = check_protocol(protocol)
        self.cache_directory = cache_directory
        self.source = source
        self.name = f"inception_2015_{protocol}"
        self.network, self.weights_path = load_inception_2015(cache_directory, source)
        self.has_logits = len(self.network.outputs) == 2
        self.description = f"{NETWORK}; protocol {protocol}: {PROTOCOLS[protocol]}"
        self._models = {}

    def _model(self, height: int, width: int, channels: int) -> keras.Model:
        """Preprocessing + network for one input shape, built once (each compiles its own predict)."""
        key = (height, width, channels)
        if key not in self._models:
            pixels = keras.Input(key, name="pixels")
            resize = self.protocol == "ttur" and (height, width) != (INPUT_SIDE, INPUT_SIDE)
            outputs = self.network(TTURPreprocess(INPUT_SIDE, resize=resize)(pixels))
            self._models[key] = keras.Model(pixels, outputs)
        return self._models[key]

    def _pixels(self, images) -> np.ndarray:
        images = images if isinstance(images, np.ndarray) else keras.ops.convert_to_numpy(images)
        if images.ndim == 3:
            images = images[..., None]
        if images.ndim != 4 or images.shape[-1] not in (1, 3):
            raise DataError(f"Expected images [N, H, W, 1|3]; got shape {images.shape}.")
        if images.dtype != np.uint8:
            lo, hi = float(images.min(initial=0.0)), float(images.max(initial=0.0))
            if lo < -1.05 or hi > 1.05:
                raise DataError(f"Images must be in [-1, 1] or uint8; got floats in [{lo:.3g}, {hi:.3g}]. "
                                "Scale uint8 images with x / 127.5 - 1, or pass them as uint8.")
        return quantize(images)

    def _predict(self, images, batch_size: int):
        pixels = self._pixels(images)
        outputs = []
        for start in range(0, pixels.shape[0], batch_size):
            batch = pixels[start : start + batch_size]
            if self.protocol == "clean":
                batch = clean_resize(batch, INPUT_SIDE)
            out = self._model(*batch.shape[1:]).predict_on_batch(batch)
            outputs.append([np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])])
        if not outputs:
            raise DataError("No images to extract features from.")
        return [np.concatenate(parts, axis=0) for parts in zip(*outputs)]

    def features(self, images, batch_size: int = 50) -> np.ndarray:
        return self._predict(images, batch_size)[0].astype(np.float32)

    def probabilities(self, images, batch_size: int = 50) -> np.ndarray:
        """Softmax of the 1008-way logits (Inception Score); needs weights converted from the `.pth`."""
        if not self.has_logits:
            raise ConfigError(
                f"The Inception Score needs the network's 1008-way classifier, which NVIDIA's TorchScript "
                f"({self.weights_path} was converted from it) does not include. Put pytorch-fid's {PTH_FILE} "
                "in $TORCH_HOME/hub/checkpoints/ (pytorch-fid downloads it there) and pass "
                "FIDInception(source=that path) once to convert it."
            )
        logits = self._predict(images, batch_size)[1].astype(np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def get_config(self) -> dict:
        return {"protocol": self.protocol, "cache_directory": self.cache_directory, "source": self.source}

    def __repr__(self) -> str:
        return f"FIDInception(protocol={self.protocol!r}, weights={self.weights_path!r})"
