"""The tf.data pipeline: shuffling, batching, resizing and scaling for the TensorFlow backend.

Imported only where TensorFlow is (the TensorFlow backend, tensorflow-datasets names); other
backends get the same batches from `streams.BatchStream`.

Each source hands over a `tf.data.Dataset` of small elements (indices, file paths, encoded bytes or
uint8 images, optionally with labels) plus the functions that turn them into pixels; the order of
operations lives only here, so every source shuffles cheap elements, decodes after shuffling,
scales after batching and prefetches.
"""

from __future__ import annotations

from collections.abc import Callable

import tensorflow as tf

from keras_gans.data.options import check_batch_size, normalize_image_size  # noqa: F401

AUTOTUNE = tf.data.AUTOTUNE


def resize(images: tf.Tensor, size: tuple[int, int] | None) -> tf.Tensor:
    """Resizes one image `[H, W, C]` or a batch `[N, H, W, C]`; keeps pixel units (0..255)."""
    if size is None:
        return images
    static = images.shape[-3:-1]
    if static.is_fully_defined() and tuple(static) == tuple(size):
        return images
    # Antialiasing matters when shrinking (CelebA 140 -> 64): without it bilinear aliases fine hair
    # and texture into moire that the discriminator can use to tell real from fake.
    return tf.image.resize(tf.cast(images, tf.float32), size, antialias=True)


def center_crop(image: tf.Tensor, crop: int) -> tf.Tensor:
    """Crops the central `crop x crop` square (or less, where the image is smaller)."""
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    crop_height, crop_width = tf.minimum(height, crop), tf.minimum(width, crop)
    return tf.image.crop_to_bounding_box(
        image, (height - crop_height) // 2, (width - crop_width) // 2, crop_height, crop_width
    )


def to_channels(image: tf.Tensor, channels: int) -> tf.Tensor:
    """Grey, grey+alpha, RGB or RGBA `[H, W, c]` -> `channels` (1 or 3); alpha is dropped."""
    if image.shape[-1] == channels:
        return image
    if channels == 1:
        return image[..., :1]
    return tf.cond(
        tf.shape(image)[-1] < 3,
        lambda: tf.image.grayscale_to_rgb(image[..., :1]),
        lambda: image[..., :3],
    )


def pixels_to_unit_range(images: tf.Tensor) -> tf.Tensor:
    """Pixel values 0..255 (uint8 or float after resizing) -> float32 in [-1, 1]."""
    scaled = tf.cast(images, tf.float32) / 127.5 - 1.0
    # Resizing can overshoot by a rounding error; the generator's tanh can never reach past 1.
    return tf.clip_by_value(scaled, -1.0, 1.0)


def on_images(fn: Callable[[tf.Tensor], tf.Tensor]) -> Callable:
    """Lifts an image transform to elements that are either `images` or `(images, labels)`."""

    def apply(images, *labels):
        return (fn(images), *labels) if labels else fn(images)

    return apply


def batched(
    elements: tf.data.Dataset,
    *,
    batch_size: int,
    shuffle: bool,
    shuffle_buffer: int,
    seed: int | None,
    repeat: bool,
    drop_remainder: bool,
    per_example: Callable | None = None,
    per_batch: Callable | None = None,
) -> tf.data.Dataset:
    """Shuffle -> repeat -> per-example work -> batch -> per-batch work -> prefetch.

    Args:
        elements: what to shuffle; keep it cheap (indices, paths, encoded bytes, uint8).
        shuffle_buffer: number of elements held for shuffling (the dataset size when it fits).
        seed: seeds the shuffle; with a seed the whole pipeline is deterministic.
        per_example: element -> element of equal shapes (decode, crop, resize), run in parallel.
        per_batch: batch -> final batch (gather, resize, scale to [-1, 1]), run in parallel.
    """
    if shuffle:
        elements = elements.shuffle(
            max(1, shuffle_buffer), seed=seed, reshuffle_each_iteration=True
        )
    if repeat:
        elements = elements.repeat()
    if per_example is not None:
        elements = elements.map(per_example, num_parallel_calls=AUTOTUNE)
    elements = elements.batch(batch_size, drop_remainder=drop_remainder, num_parallel_calls=AUTOTUNE)
    if per_batch is not None:
        elements = elements.map(per_batch, num_parallel_calls=AUTOTUNE)
    options = tf.data.Options()
    # Parallel maps may hand batches over out of order, which is faster; a seeded or unshuffled
    # pipeline promises an order, so it waits for it.
    options.deterministic = seed is not None or not shuffle
    return elements.with_options(options).prefetch(AUTOTUNE)


def from_stream(stream, image_shape, *, with_labels: bool) -> tf.data.Dataset:
    """A numpy `BatchStream` as a `tf.data.Dataset` (folders: one decoder and cache for every
    backend), its batches still made ahead on the stream's own thread."""
    fixed = stream.repeat or stream.drop_remainder
    images = tf.TensorSpec([stream.batch_size if fixed else None, *image_shape], tf.float32)
    signature = (images, tf.TensorSpec(images.shape[:1], tf.int32)) if with_labels else images
    return tf.data.Dataset.from_generator(lambda: iter(stream), output_signature=signature)
