"""Dataset names, folders and arrays -> pipelines of images in [-1, 1] (tf.data on the TensorFlow
backend and for tensorflow-datasets names, numpy batches made on a background thread otherwise).

```python
from keras_gans.data import load_dataset
data = load_dataset("fashion_mnist", batch_size=128, seed=0)
images, labels = next(iter(data.dataset))   # float32 [128, 28, 28, 1] in [-1, 1], int32 [128]
```
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from keras_gans.data import arrays, options as checks
from keras_gans.data.folder import load_folder
from keras_gans.data.image_dataset import ImageDataset
from keras_gans.data.fashion_demos import PAIR_DATASETS
from keras_gans.data.image_pairs import ImagePairDataset, load_image_pairs
from keras_gans.data.registry import DATASETS, DatasetSpec
from keras_gans.data.streams import BatchStream, fit_input
from keras_gans.errors import DataError, closest

__all__ = ["DATASETS", "PAIR_DATASETS", "BatchStream", "DatasetSpec", "ImageDataset", "ImagePairDataset",
           "fit_input", "load_dataset"]

ACCEPTED_SOURCES = (
    "a registered name ({names}), any tensorflow-datasets image dataset name (optionally with a "
    "config, e.g. 'cycle_gan/horse2zebra'), a folder of image files, 'paired:DIR' / 'unpaired:DIR' "
    "(image-to-image folders A/ and B/), an image-to-image demo (" + ", ".join(sorted(PAIR_DATASETS))
    + "), or " + arrays.ACCEPTED
)


def load_dataset(
    source,
    *,
    batch_size: int,
    split: str = "train",
    image_size=None,
    shuffle: bool = True,
    seed: int | None = None,
    repeat: bool = True,
    drop_remainder: bool = True,
) -> ImageDataset:
    """Turns `source` into batches of float32 NHWC images in [-1, 1] (with int32 labels if any).

    Args:
        source: a name in `DATASETS`, another tensorflow-datasets name, a folder path (str or
            `pathlib.Path`), a numpy array of images, or a tuple `(images, labels)`.
        batch_size: images per batch (the trainer asks for `batch_size * d_steps`).
        split: "train" / "test" (tfds names also take tfds split expressions like "train[:10%]").
        image_size: int or `(height, width)`; resizes every image. Registered datasets default to
            their `image_shape` (CelebA: 64x64 after the centre crop).
        shuffle: reshuffle every epoch.
        seed: makes the order (and so every batch) the same on every run.
        repeat: repeat forever, for step-counted training.
        drop_remainder: drop a last partial batch, so every batch has `batch_size` images.
    """
    options = dict(
        batch_size=checks.check_batch_size(batch_size),
        image_size=checks.normalize_image_size(image_size),
        shuffle=bool(shuffle),
        seed=seed,
        repeat=bool(repeat),
        drop_remainder=bool(drop_remainder),
    )
    if isinstance(source, Path):
        return load_folder(source, **options)
    if isinstance(source, str):
        return _load_named(source, split=split, **options)
    if isinstance(source, (np.ndarray, tuple, list)) or hasattr(source, "__array__"):
        images, labels = arrays.split_source(source)
        return arrays.load_arrays(images, labels, **options)
    raise DataError(
        f"Cannot load a dataset from {type(source).__name__}. Accepted: "
        + ACCEPTED_SOURCES.format(names=", ".join(sorted(DATASETS)))
        + "."
    )


def _load_named(source: str, *, split: str, **options) -> ImageDataset:
    if source in DATASETS:
        return DATASETS[source].load(split=split, **options)
    if source in PAIR_DATASETS:
        return PAIR_DATASETS[source].load(split=split, **options)
    pairs = load_image_pairs(source, split=split, **options)
    if pairs is not None:
        return pairs
    if os.path.exists(os.path.expanduser(source)):
        return load_folder(source, **options)
    if _looks_like_path(source):
        raise DataError(f"Image folder {source} does not exist.")
    from keras_gans.data import tfds_source

    known = sorted(DATASETS)
    try:
        tfds_name = tfds_source.is_tfds_name(source)
    except DataError as error:  # no TensorFlow here: say what the name is not, and what would help
        hint = closest(source, [*known, *PAIR_DATASETS])
        raise DataError(
            f"Dataset {source!r} is not one of {', '.join(known + sorted(PAIR_DATASETS))} nor an "
            f"existing folder{f' (did you mean {hint!r}?)' if hint else ''}. {error}"
        ) from None
    if tfds_name:
        return tfds_source.load_tfds(source, split=split, **options)
    hint = None if os.sep in source else closest(source, [*known, *PAIR_DATASETS, *tfds_source.builder_names()])
    message = f"Unknown dataset {source!r}" + (
        " (and no folder of that name exists)." if os.sep in source else "."
    )
    if hint is not None:
        message += f" Did you mean {hint!r}?"
    # The ~450 tfds names would drown the message, so they are referred to, not listed.
    raise DataError(
        message
        + " Valid choices: "
        + ACCEPTED_SOURCES.format(names=", ".join(known))
        + ". tfds names: tensorflow_datasets.list_builders()."
    )


def _looks_like_path(source: str) -> bool:
    # "cycle_gan/horse2zebra" is a tfds name, so a single "/" alone does not make a path.
    return (
        source.startswith((".", "~", os.sep))
        or source.endswith(os.sep)
        or os.path.splitdrive(source)[0] != ""
        or source.count(os.sep) > 1
    )
