"""In-memory numpy arrays -> batches, by shuffling indices and gathering whole batches
(tf.data on the TensorFlow backend, a numpy `BatchStream` on the others).

Scaling rule for `images` (the only one; anything else is an error):

- uint8 (or any integer dtype with values in 0..255): pixel values, mapped 0 -> -1, 255 -> 1.
- float with no negative value and a maximum <= 1: images in [0, 1], mapped to [-1, 1].
- float with a negative value: images already in [-1, 1], kept as they are.
- float above 1 or below -1, NaN or inf: error (0..255 floats are ambiguous; pass uint8).

A [-1, 1] image set without a single negative value would be read as [0, 1]; that takes a data set
with no pixel darker than mid-grey, which real images never are.
"""

from __future__ import annotations

import numpy as np

from keras_gans.data.image_dataset import ImageDataset
from keras_gans.data.options import use_tf_data
from keras_gans.data.streams import BatchStream
from keras_gans.errors import DataError

ACCEPTED = (
    "images as a numpy array [N, H, W] or [N, H, W, C] (C = 1..4) of uint8 0..255 or float in "
    "[0, 1] or [-1, 1], optionally as a tuple (images, labels) with int labels [N]"
)


def as_image_array(images, name: str = "images") -> np.ndarray:
    """Validates `images`; returns uint8 pixels or float32 in [-1, 1], always `[N, H, W, C]`."""
    try:
        array = np.asarray(images)
    except Exception as error:  # ragged lists and the like
        raise DataError(f"Could not read {name} as an array ({error}). Expected {ACCEPTED}.") from None
    if array.ndim == 3:
        array = array[..., np.newaxis]
    if array.ndim != 4 or not 1 <= array.shape[-1] <= 4:
        raise DataError(f"{name} has shape {array.shape}; expected {ACCEPTED}.")
    if array.shape[0] == 0 or array.shape[1] == 0 or array.shape[2] == 0:
        raise DataError(f"{name} has shape {array.shape} and holds no pixels; expected {ACCEPTED}.")

    if array.dtype == np.uint8:
        return array
    if np.issubdtype(array.dtype, np.integer):
        low, high = int(array.min()), int(array.max())
        if low < 0 or high > 255:
            raise DataError(
                f"{name} is {array.dtype} with values {low}..{high}; integer images must hold "
                f"pixel values 0..255."
            )
        return array.astype(np.uint8)
    if not np.issubdtype(array.dtype, np.floating):
        raise DataError(f"{name} has dtype {array.dtype}; expected {ACCEPTED}.")
    if not np.isfinite(array).all():
        raise DataError(f"{name} contains NaN or inf values; expected {ACCEPTED}.")
    low, high = float(array.min()), float(array.max())
    if low < -1.0 or high > 1.0:
        raise DataError(
            f"{name} is {array.dtype} with values in [{low:g}, {high:g}]; float images must lie in "
            f"[0, 1] or [-1, 1]. For 0..255 pixel values pass uint8 (images.astype('uint8'))."
        )
    array = array.astype(np.float32)
    return array * 2.0 - 1.0 if low >= 0.0 else array


def as_label_array(labels, num_images: int) -> tuple[np.ndarray, int]:
    """Validates class labels; returns int32 `[N]` and the number of classes (max label + 1)."""
    array = np.asarray(labels)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        raise DataError(
            f"labels must be integer class indices of shape [N], got dtype {array.dtype} and shape "
            f"{array.shape}."
        )
    if len(array) != num_images:
        raise DataError(f"Got {num_images} images but {len(array)} labels; they must match.")
    if array.min() < 0:
        raise DataError(f"labels must be class indices >= 0, found {int(array.min())}.")
    return array.astype(np.int32), int(array.max()) + 1


def split_source(source) -> tuple[object, object | None]:
    """`images` or `(images, labels)` -> `(images, labels or None)`."""
    if isinstance(source, tuple):
        if len(source) != 2:
            raise DataError(f"A tuple source must be (images, labels), got {len(source)} items.")
        return source
    return source, None


def load_arrays(
    images,
    labels=None,
    *,
    name: str = "array",
    num_classes: int | None = None,
    class_names: tuple | None = None,
    batch_size: int,
    image_size: tuple[int, int] | None,
    shuffle: bool,
    seed: int | None,
    repeat: bool,
    drop_remainder: bool,
) -> ImageDataset:
    """Arrays (already checked or not) -> `ImageDataset`; also serves the IDX datasets."""
    images = as_image_array(images)
    num_images = len(images)
    if labels is not None:
        labels, found_classes = as_label_array(labels, num_images)
        num_classes = max(num_classes or 0, found_classes)
    if drop_remainder and not repeat and num_images < batch_size:
        raise DataError(
            f"{name} holds {num_images} images, fewer than batch_size={batch_size}, so no full "
            f"batch exists. Lower batch_size, or pass repeat=True or drop_remainder=False."
        )
    options = dict(batch_size=batch_size, shuffle=shuffle, seed=seed, repeat=repeat,
                   drop_remainder=drop_remainder)
    if use_tf_data():
        dataset = _tf_batches(images, labels, image_size, **options)
    else:
        dataset = array_stream(images, labels, image_size, **options)
    height, width = image_size or images.shape[1:3]
    return ImageDataset(
        dataset=dataset,
        name=name,
        image_shape=(int(height), int(width), int(images.shape[-1])),
        num_classes=num_classes if labels is not None else None,
        num_examples=num_images,
        class_names=class_names if labels is not None else None,
    )


def array_stream(images: np.ndarray, labels, image_size, **options) -> BatchStream:
    """uint8 or [-1, 1] float images (and labels) -> a `BatchStream` of float32 [-1, 1] batches.

    Images are resized once, up front (an array is in memory already, and its resized copy is what
    every epoch reads), not per batch.
    """
    from keras_gans.images import resize_pixels

    if image_size is not None and tuple(images.shape[1:3]) != tuple(image_size):
        resized = np.stack([resize_pixels(image, image_size) for image in images])
        images = np.round(resized).clip(0, 255).astype(np.uint8) if images.dtype == np.uint8 else resized.clip(-1, 1)
    scale = (lambda x: x.astype(np.float32) / 127.5 - 1.0) if images.dtype == np.uint8 else (lambda x: x)

    def make_batch(indices):
        batch = scale(images[indices])
        return batch if labels is None else (batch, labels[indices])

    return BatchStream(len(images), make_batch, **options)


def _tf_batches(images, labels, image_size, **options):
    import tensorflow as tf

    from keras_gans.data import pipeline

    pixels = tf.constant(images)
    is_uint8 = images.dtype == np.uint8
    class_indices = tf.constant(labels) if labels is not None else None

    def gather(indices):
        batch = resize_batch(tf.gather(pixels, indices))
        if class_indices is None:
            return batch
        return batch, tf.gather(class_indices, indices)

    def resize_batch(batch):
        if is_uint8:
            return pipeline.pixels_to_unit_range(pipeline.resize(batch, image_size))
        # Float images are already in [-1, 1]; resizing is linear, so it keeps them there.
        return tf.clip_by_value(pipeline.resize(batch, image_size), -1.0, 1.0)

    return pipeline.batched(
        tf.data.Dataset.range(len(images)),
        shuffle_buffer=len(images),  # indices are 8 bytes each, so a full, uniform shuffle is free
        per_batch=gather,
        **options,
    )
