"""Image files and grids: the one PNG writer every part of keras_gans uses.

Pillow encodes and decodes, so grids are written on every Keras backend, TensorFlow or not.
"""

from __future__ import annotations

import math
import os

import io
import struct

import numpy as np

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
        f.write(encode_png(canvas))
    return path


def encode_png(pixels: np.ndarray) -> bytes:
    """uint8 `[H, W, 1 | 3 | 4]` -> PNG bytes."""
    from PIL import Image

    pixels = np.asarray(pixels, dtype=np.uint8)
    image = Image.fromarray(pixels[..., 0] if pixels.shape[-1] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def decode_image(contents: bytes) -> np.ndarray:
    """PNG/JPEG/GIF/BMP bytes -> uint8 `[H, W, C]` (a GIF's first frame), channels as stored:
    1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA); palettes become RGB(A)."""
    from PIL import Image

    with Image.open(io.BytesIO(contents)) as image:
        image.seek(0)
        if image.mode.startswith("I;16"):  # 16-bit grey: keep the 8 high bits, as TF's decoder does
            pixels = (np.asarray(image, dtype=np.uint16) >> 8).astype(np.uint8)
        else:
            if image.mode not in ("L", "LA", "RGB", "RGBA"):
                alpha = image.mode in ("PA", "La") or "transparency" in image.info
                image = image.convert("L" if image.mode == "1" else "RGBA" if alpha else "RGB")
            pixels = np.asarray(image, dtype=np.uint8)
    return pixels[..., None] if pixels.ndim == 2 else pixels


def resize_pixels(image: np.ndarray, size) -> np.ndarray:
    """`[H, W, C]` uint8 or float -> float32 `[height, width, C]`, antialiased bilinear (Pillow
    widens the filter when shrinking, as `tf.image.resize(antialias=True)` does)."""
    from PIL import Image

    height, width = size
    if image.shape[:2] == (height, width):
        return image.astype(np.float32)
    channels = [Image.fromarray(np.ascontiguousarray(image[..., c], dtype=np.float32), mode="F")
                .resize((width, height), Image.BILINEAR) for c in range(image.shape[-1])]
    return np.stack([np.asarray(c) for c in channels], axis=-1)


def png_size(png_bytes: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if png_bytes[:8] != b"\x89PNG\r\n\x1a\n":
        raise DataError("Not a PNG file (its first bytes are not the PNG signature).")
    return struct.unpack(">II", png_bytes[16:24])


def load_image(path: str, height: int, width: int, channels: int) -> np.ndarray:
    """Reads a PNG/JPEG, resizes it to the generator's size and returns [H, W, C] in [-1, 1]."""
    if not os.path.exists(path):
        raise DataError(f"Image file {path!r} does not exist.")
    with open(path, "rb") as f:
        image = to_channels(decode_image(f.read()), channels)
    return (resize_pixels(image, (height, width)) / 127.5 - 1.0).astype(np.float32)


def to_channels(image: np.ndarray, channels: int) -> np.ndarray:
    """Grey, grey+alpha, RGB or RGBA `[..., c]` -> `channels` (1 or 3); alpha is dropped."""
    if image.shape[-1] == channels:
        return image
    if channels == 1:
        return image[..., :1]
    return np.repeat(image[..., :1], 3, axis=-1) if image.shape[-1] < 3 else image[..., :3]
