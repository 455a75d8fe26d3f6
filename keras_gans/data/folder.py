"""A folder of image files -> batches, with every file checked before training starts.

Labels: when every image sits inside a sub-folder of the root and there are at least two such
sub-folders, the sub-folder names (sorted) are the classes, as in Keras's
`image_dataset_from_directory`; otherwise the images are unlabeled. Files and folders whose names
start with "." (`.ipynb_checkpoints`, `.DS_Store`) are skipped.
"""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf

from keras_gans.data import pipeline
from keras_gans.data.image_dataset import ImageDataset
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


def decode(contents: tf.Tensor) -> tf.Tensor:
    # expand_animations=False: a GIF gives its first frame as [H, W, 3] like any other image.
    return tf.io.decode_image(contents, channels=0, expand_animations=False)


def scan(folder: Path, paths: list[str]) -> dict[str, tuple[int, int, int]]:
    """Decodes every file once; returns path -> (height, width, channels) or names the bad ones."""

    def shape_of(path):
        return path, tf.shape(decode(tf.io.read_file(path)))

    # Files that fail to read or decode simply drop out of the stream (ignore_errors), so the
    # missing paths are exactly the bad files, found by tensorflow's own decoders in parallel.
    shapes_stream = (
        tf.data.Dataset.from_tensor_slices(paths)
        .map(shape_of, num_parallel_calls=pipeline.AUTOTUNE, deterministic=False)
        .ignore_errors(log_warning=False)
        .batch(256)
    )
    shapes = {}
    for names, dims in shapes_stream:
        for name, dim in zip(names.numpy(), dims.numpy()):
            shapes[name.decode()] = tuple(int(d) for d in dim)
    bad = [path for path in paths if path not in shapes]
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
    shapes = scan(folder, paths)
    sizes = {shape[:2] for shape in shapes.values()}
    uniform_size = sizes.pop() if len(sizes) == 1 else None
    if image_size is None:
        uniform_size = check_sizes(folder, paths, shapes)
    # Grey (+alpha) everywhere stays one channel; any colour image makes the set RGB.
    channels = 1 if all(shape[2] <= 2 for shape in shapes.values()) else 3
    if drop_remainder and not repeat and len(paths) < batch_size:
        raise DataError(
            f"Image folder {folder} holds {len(paths)} images, fewer than batch_size={batch_size}, "
            f"so no full batch exists. Lower batch_size, or pass repeat=True or drop_remainder=False."
        )

    def load_image(path):
        image = pipeline.to_channels(decode(tf.io.read_file(path)), channels)
        if uniform_size is None:
            return pipeline.resize(image, image_size)
        image.set_shape([*uniform_size, channels])
        return image

    def prepare_batch(batch):
        return pipeline.pixels_to_unit_range(pipeline.resize(batch, image_size))

    elements = tf.data.Dataset.from_tensor_slices(paths if labels is None else (paths, labels))
    dataset = pipeline.batched(
        elements,
        batch_size=batch_size,
        shuffle=shuffle,
        shuffle_buffer=len(paths),  # paths are short strings: shuffle them all, uniformly
        seed=seed,
        repeat=repeat,
        drop_remainder=drop_remainder,
        per_example=pipeline.on_images(load_image),
        per_batch=pipeline.on_images(prepare_batch),
    )
    height, width = image_size or uniform_size
    return ImageDataset(
        dataset=dataset,
        name=str(folder),
        image_shape=(height, width, channels),
        num_classes=len(class_names) if class_names else None,
        num_examples=len(paths),
        class_names=class_names,
    )
