"""A folder of image files -> batches, with every file checked before training starts.

Labels: when every image sits inside a sub-folder of the root and there are at least two such
sub-folders, the sub-folder names (sorted) are the classes, as in Keras's
`image_dataset_from_directory`; otherwise the images are unlabeled. Files and folders whose names
start with "." (`.ipynb_checkpoints`, `.DS_Store`) are skipped.

Every file is decoded (by Pillow) once before training starts, to name any bad file up front; the
images are then decoded, converted and resized into a `DecodedImages` cache as the first epoch asks
for them, and every later epoch (and, for a file cache, every later run) reads them from there.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from keras_gans.data.decoded import DecodedImages, cache_key, complete_file_cache, decoder_threads
from keras_gans.data.image_dataset import ImageDataset
from keras_gans.data.options import use_tf_data
from keras_gans.data.streams import BatchStream
from keras_gans.errors import DataError

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
MAX_NAMED_FILES = 10


def list_images(folder: Path) -> list[Path]:
    if not folder.exists():
        raise DataError(f"Image folder {folder} does not exist.")
    if not folder.is_dir():
        raise DataError(
            f"{folder} is a file; expected a folder of image files ({', '.join(IMAGE_EXTENSIONS)})."
        )
    files = sorted(
        path
        for path in folder.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )
    images = [path for path in files if path.suffix.lower() in IMAGE_EXTENSIONS]
    if not images:
        others = ", ".join(path.name for path in files[:5]) + (" ..." if len(files) > 5 else "")
        found = f"it holds {len(files)} other files ({others})" if files else "it is empty"
        raise DataError(
            f"Image folder {folder} has no image files: {found}. Accepted extensions: "
            f"{', '.join(IMAGE_EXTENSIONS)} (searched recursively)."
        )
    return images


def infer_labels(folder: Path, images: list[Path]) -> tuple[list[int] | None, tuple | None]:
    """Class index per image and the class names, or `(None, None)` for an unlabeled folder."""
    parts = [path.relative_to(folder).parts for path in images]
    if any(len(p) == 1 for p in parts):
        return None, None
    class_names = tuple(sorted({p[0] for p in parts}))
    if len(class_names) < 2:
        return None, None
    index = {name: i for i, name in enumerate(class_names)}
    return [index[p[0]] for p in parts], class_names


def read_pixels(path: str) -> np.ndarray:
    """uint8 `[H, W, c]` of one file, channels as stored (a GIF gives its first frame)."""
    from keras_gans.images import decode_image

    with open(path, "rb") as f:
        return decode_image(f.read())


def scan(folder: Path, paths: list[str]) -> dict[str, tuple[int, int, int]]:
    """Decodes every file once; returns path -> (height, width, channels) or names the bad ones."""

    def shape_of(path):
        try:
            return read_pixels(path).shape
        except Exception:  # Pillow raises many types for corrupt, truncated or foreign files
            return None

    with ThreadPoolExecutor(decoder_threads()) as pool:
        shapes = dict(zip(paths, pool.map(shape_of, paths)))
    bad = [path for path in paths if shapes[path] is None]
    if bad:
        named = ", ".join(bad[:MAX_NAMED_FILES]) + (" ..." if len(bad) > MAX_NAMED_FILES else "")
        raise DataError(
            f"{len(bad)} of {len(paths)} image files in {folder} could not be read or decoded "
            f"(corrupt, truncated or not an image): {named}. Fix or remove them."
        )
    return shapes


def check_sizes(folder: Path, paths: list[str], shapes: dict) -> tuple[int, int] | None:
    """The one (height, width) of all images, or an error naming two files that differ."""
    first = paths[0]
    size = shapes[first][:2]
    for path in paths[1:]:
        if shapes[path][:2] != size:
            other = shapes[path][:2]
            raise DataError(
                f"Images in {folder} have different sizes: {first} is {size[0]}x{size[1]} but "
                f"{path} is {other[0]}x{other[1]} (height x width). Pass image_size=(height, width) "
                f"to resize them all."
            )
    return size


def load_folder(
    folder,
    *,
    batch_size: int,
    image_size: tuple[int, int] | None,
    shuffle: bool,
    seed: int | None,
    repeat: bool,
    drop_remainder: bool,
) -> ImageDataset:
    folder = Path(folder).expanduser()
    images = list_images(folder)
    paths = [str(path) for path in images]
    labels, class_names = infer_labels(folder, images)
    if drop_remainder and not repeat and len(paths) < batch_size:
        raise DataError(
            f"Image folder {folder} holds {len(paths)} images, fewer than batch_size={batch_size}, "
            f"so no full batch exists. Lower batch_size, or pass repeat=True or drop_remainder=False."
        )
    pixels = decoded_images(folder, paths, image_size)
    class_indices = None if labels is None else np.asarray(labels, np.int32)

    def make_batch(indices):
        batch = pixels[indices].astype(np.float32) / 127.5 - 1.0
        return batch if class_indices is None else (batch, class_indices[indices])

    stream = BatchStream(len(paths), make_batch, batch_size=batch_size, shuffle=shuffle, seed=seed,
                         repeat=repeat, drop_remainder=drop_remainder)
    image_shape = pixels.shape[1:]
    if use_tf_data():
        from keras_gans.data.pipeline import from_stream

        stream = from_stream(stream, image_shape, with_labels=class_indices is not None)
    return ImageDataset(
        dataset=stream,
        name=str(folder),
        image_shape=tuple(int(d) for d in image_shape),
        num_classes=len(class_names) if class_names else None,
        num_examples=len(paths),
        class_names=class_names,
    )


def decoded_images(folder: Path, paths: list[str], image_size) -> DecodedImages | np.ndarray:
    """The folder's images at their training size: a finished file cache when one matches the
    files as they are now (no decoding at all), else a `DecodedImages` filled as batches ask."""
    from keras_gans.images import resize_pixels, to_channels

    key = cache_key(paths, image_size)
    cached = complete_file_cache(key)
    if cached is not None:
        return cached
    shapes = scan(folder, paths)
    size = image_size or check_sizes(folder, paths, shapes)
    # Grey (+alpha) everywhere stays one channel; any colour image makes the set RGB.
    channels = 1 if all(shape[2] <= 2 for shape in shapes.values()) else 3

    def load(path):
        image = to_channels(read_pixels(path), channels)
        if image.shape[:2] == tuple(size):
            return image
        return np.round(resize_pixels(image, size)).clip(0, 255).astype(np.uint8)

    return DecodedImages(paths, (*size, channels), load, key=key)
