"""Options every data source checks, and which input pipeline serves the active Keras backend."""

from __future__ import annotations

from keras_gans.errors import DataError


def use_tf_data() -> bool:
    """tf.data on the TensorFlow backend (the graph feeds its own steps); numpy batches made on a
    background thread everywhere else, so JAX trains on a machine without TensorFlow."""
    import keras

    return keras.backend.backend() == "tensorflow"


def check_batch_size(batch_size) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise DataError(f"batch_size must be a positive integer, got {batch_size!r}.")
    return batch_size


def normalize_image_size(image_size) -> tuple[int, int] | None:
    """`None`, an int (square) or `(height, width)` -> `(height, width)` or `None`."""
    if image_size is None:
        return None
    if isinstance(image_size, int) and not isinstance(image_size, bool):
        size = (image_size, image_size)
    elif isinstance(image_size, (tuple, list)) and len(image_size) == 2:
        size = tuple(image_size)
    else:
        size = None
    if size is None or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size):
        raise DataError(
            f"image_size must be a positive int or a (height, width) pair of positive ints, "
            f"got {image_size!r}."
        )
    return size
