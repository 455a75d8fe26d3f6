"""Per-example image transforms shared by DiffAugment and ADA (keras.ops only, NHWC).

Every transform takes per-example parameters as tensors and is applied to the whole batch at
once: pixel moves are products with one-hot matrices and choices are `ops.where`, so there is no
Python branch on a tensor value (XLA, `jax.jit`) and gradients reach every input pixel that
survives the transform.
"""

from __future__ import annotations

import keras
from keras import ops

FILL_MODES = ("zeros", "reflect")


def batch_size(images):
    return ops.shape(images)[0]


def per_example_uniform(images, seed_generator, minval=0.0, maxval=1.0):
    """One draw from U[minval, maxval) per example, shaped `[batch, 1, 1, 1]` to broadcast."""
    return keras.random.uniform((batch_size(images), 1, 1, 1), minval, maxval, seed=seed_generator)


def per_example_normal(images, seed_generator, stddev=1.0):
    return keras.random.normal((batch_size(images), 1, 1, 1), stddev=stddev, seed=seed_generator)


def per_example_chance(images, probability, seed_generator):
    """A `[batch, 1, 1, 1]` boolean, true with `probability` (a float or scalar tensor)."""
    return per_example_uniform(images, seed_generator) < probability


def _source_selection(shift, length, fill, dtype):
    """`[batch, length, length]` one-hot rows: output index i reads input index i - shift.

    With `fill="zeros"` rows whose source falls outside the image are all zero; with
    `fill="reflect"` the source index is mirrored at the border (numpy's "reflect", valid for
    |shift| < length), as AugmentPipe's reflect padding does.
    """
    outputs = ops.arange(length, dtype="int32")[None, :, None]
    sources = outputs - ops.cast(shift, "int32")[:, None, None]
    if fill == "reflect":
        last = length - 1
        sources = last - ops.abs(last - ops.abs(sources))
    inputs = ops.arange(length, dtype="int32")[None, None, :]
    return ops.cast(ops.equal(sources, inputs), dtype)


def translate(images, shift_y, shift_x, fill="zeros"):
    """Moves each image by integer `shift_y`, `shift_x` pixels (int tensors `[batch]`)."""
    if fill not in FILL_MODES:
        raise ValueError(f"fill must be one of {FILL_MODES}; got {fill!r}.")
    height, width = images.shape[1], images.shape[2]
    rows = _source_selection(shift_y, height, fill, images.dtype)
    columns = _source_selection(shift_x, width, fill, images.dtype)
    images = ops.einsum("bij,bjwc->biwc", rows, images)
    return ops.einsum("bkw,bhwc->bhkc", columns, images)


def cutout(images, top, left, size_y, size_x):
    """Zeroes a `size_y` x `size_x` rectangle at (`top`, `left`) (int tensors `[batch]`) per
    image; parts of the rectangle outside the image are ignored."""
    height, width = images.shape[1], images.shape[2]
    rows = ops.arange(height, dtype="int32")[None, :, None]
    columns = ops.arange(width, dtype="int32")[None, None, :]
    top = ops.cast(top, "int32")[:, None, None]
    left = ops.cast(left, "int32")[:, None, None]
    inside = ops.logical_and(
        ops.logical_and(rows >= top, rows < top + size_y),
        ops.logical_and(columns >= left, columns < left + size_x),
    )
    return images * ops.cast(ops.logical_not(inside), images.dtype)[..., None]


def flip_x(images, chosen):
    """Mirrors left-right the images where `chosen` (bool `[batch, 1, 1, 1]`) holds."""
    return ops.where(chosen, ops.flip(images, axis=2), images)


def rotate90(images, turns):
    """Rotates each square image by `turns` (int tensor `[batch]`, 0-3) quarter turns."""
    if images.shape[1] != images.shape[2]:
        raise ValueError(f"90-degree rotations need square images; got {tuple(images.shape[1:3])}.")
    turns = ops.cast(turns, "int32")[:, None, None, None]
    rotated = images
    result = images
    for k in range(1, 4):
        # One more counter-clockwise quarter turn: transpose the spatial axes, then flip rows.
        rotated = ops.flip(ops.transpose(rotated, (0, 2, 1, 3)), axis=1)
        result = ops.where(ops.equal(turns, k), rotated, result)
    return result
