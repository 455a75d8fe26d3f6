"""How images reach the FID network: one named protocol, written next to every value it produced.

FID moves by whole points with the resize filter and with float vs uint8 input (Parmar et al.
2022, "On Aliased Resizing and Surprising Subtleties in GAN Evaluation"), so a number is only
comparable with numbers computed the same way. Both protocols here:

1. quantize to uint8 as a saved PNG would (`round((x + 1) * 127.5)`, clipped);
2. repeat a grey channel to RGB;
3. resize to 299x299 - "ttur": the TTUR reference's in-graph `tf.compat.v1.image.resize_bilinear`
   (align_corners=False, no half-pixel centers, no antialiasing), done here with two interpolation
   matrices in `keras.ops` so it runs on any backend and device; "clean": clean-fid's PIL bicubic
   resize of each channel in float (antialiased), on the host;
4. scale as the network expects: (x - 128) / 128, i.e. [-1, 0.9921875].
"""

from __future__ import annotations

import numpy as np

import keras

from keras_gans.errors import ConfigError, check_choice

PROTOCOLS = {
    "ttur": "uint8 as a saved PNG, grey->RGB, TF1 resize_bilinear to 299x299 (no antialias, TTUR), (x-128)/128",
    "clean": "uint8 as a saved PNG, grey->RGB, PIL bicubic float resize to 299x299 (clean-fid), (x-128)/128",
}


def check_protocol(protocol: str) -> str:
    return check_choice("FID protocol", protocol, PROTOCOLS, ConfigError)


def quantize(images) -> np.ndarray:
    """[-1, 1] floats (or uint8 pixels, kept as they are) -> float32 pixel values 0..255, integral."""
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32)
    images = np.asarray(images, np.float32)
    return np.round((np.clip(images, -1.0, 1.0) + 1.0) * 127.5).astype(np.float32)


def legacy_bilinear_matrix(in_size: int, out_size: int) -> np.ndarray:
    """[out, in] weights of TF1 bilinear resize: source = target * in / out, edge-clamped.

    Without half-pixel centers the source grid is anchored at the top-left corner, so the image
    shifts by up to half an input pixel; that shift is part of the reference and is kept.
    """
    source = np.arange(out_size, dtype=np.float64) * (in_size / out_size)
    top = np.floor(source).astype(int)
    bottom = np.minimum(top + 1, in_size - 1)
    frac = source - top
    matrix = np.zeros((out_size, in_size), np.float64)
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, top), 1.0 - frac)
    np.add.at(matrix, (rows, bottom), frac)
    return matrix.astype(np.float32)


class TTURPreprocess(keras.layers.Layer):
    """Pixels 0..255 [N, H, W, 1|3] -> the network's input [N, size, size, 3] (steps 2-4 above).

    Args:
        size: output side (299 for the reference network).
        resize: False when the images already are `size` x `size` (the "clean" protocol resizes
            on the host before this layer).
    """

    def __init__(self, size: int = 299, resize: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.size = size
        self.resize = resize

    def build(self, input_shape):
        height, width = int(input_shape[1]), int(input_shape[2])
        self.rows = legacy_bilinear_matrix(height, self.size) if self.resize else None
        self.cols = legacy_bilinear_matrix(width, self.size) if self.resize else None

    def call(self, pixels):
        x = keras.ops.cast(pixels, "float32")
        if x.shape[-1] == 1:
            x = keras.ops.repeat(x, 3, axis=-1)
        if self.resize:
            # Separable: rows then columns, each a small matmul against a constant matrix.
            x = keras.ops.einsum("oh,nhwc->nowc", keras.ops.convert_to_tensor(self.rows), x)
            x = keras.ops.einsum("pw,nowc->nopc", keras.ops.convert_to_tensor(self.cols), x)
        return (x - 128.0) / 128.0

    def get_config(self) -> dict:
        return {**super().get_config(), "size": self.size, "resize": self.resize}


def clean_resize(pixels: np.ndarray, size: int = 299) -> np.ndarray:
    """clean-fid's resize: each channel as a float PIL image, bicubic (antialiased), clipped to 0..255."""
    from PIL import Image

    pixels = np.asarray(pixels, np.float32)
    out = np.empty((pixels.shape[0], size, size, pixels.shape[-1]), np.float32)
    for i, image in enumerate(pixels):
        for c in range(pixels.shape[-1]):
            resized = Image.fromarray(image[..., c], mode="F").resize((size, size), resample=Image.BICUBIC)
            out[i, ..., c] = np.asarray(resized)
    return np.clip(out, 0.0, 255.0)
