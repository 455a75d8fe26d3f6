"""Image files and grids: the one PNG writer every part of keras_gans uses."""

from __future__ import annotations

import math
import os

import numpy as np
import tensorflow as tf

from keras_gans.errors import DataError


def to_uint8(images) -> np.ndarray:
    """[-1, 1] floats -> uint8 [0, 255]; values outside [-1, 1] are clipped, not wrapped."""
    images = np.asarray(images, dtype=np.float32)
    return np.round((np.clip(images, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8)


def save_image_grid(images, path: str, rows: int | None = None, padding: int = 1) -> str:
    """Tiles images in [-1, 1] ([N, H, W, C], C in {1, 3}) into a `rows` x ceil(N/rows) PNG.

    Missing cells (when N is not a multiple of the column count) stay black. Returns `path`.
    """
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:  # [N, H, W]: grayscale without a channel axis
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise DataError(f"save_image_grid expects [N, H, W, 1|3] images, got shape {images.shape}.")
    n, h, w, c = images.shape
    rows = int(rows) if rows else int(math.floor(math.sqrt(n))) or 1
    cols = int(math.ceil(n / rows))
    pixels = to_uint8(images)
    canvas = np.zeros((rows * (h + padding) + padding, cols * (w + padding) + padding, c), np.uint8)
    for i in range(n):
        r, col = divmod(i, cols)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        canvas[top : top + h, left : left + w] = pixels[i]
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    with open(path, "wb") as f:
        f.write(tf.io.encode_png(canvas).numpy())
    return path


def load_image(path: str, height: int, width: int, channels: int) -> np.ndarray:
    """Reads a PNG/JPEG, resizes it to the generator's size and returns [H, W, C] in [-1, 1]."""
    if not os.path.exists(path):
        raise DataError(f"Image file {path!r} does not exist.")
    raw = tf.io.read_file(path)
    image = tf.io.decode_image(raw, channels=channels, expand_animations=False)
    image = tf.image.resize(tf.cast(image, tf.float32), (height, width), antialias=True)
    return (image.numpy() / 127.5 - 1.0).astype(np.float32)
