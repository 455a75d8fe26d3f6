"""tensorflow-datasets image datasets -> batches, through the real `tfds.builder` path.

Works offline under `tfds.testing.mock_data`. This module, TensorFlow and tensorflow_datasets are
imported only when a name is not a registered dataset, folder or demo, so the offline Fashion-MNIST
path never pays for them, and a machine without TensorFlow (JAX) gets a `DataError` saying what to
install instead of an ImportError.
"""

from __future__ import annotations

import functools

from keras_gans.data.image_dataset import ImageDataset
from keras_gans.errors import DataError

# Every split is decoded, cropped and resized once, then cached at its training size: up to this
# many bytes (MNIST 47 MB, CIFAR-10 150 MB) in memory, shuffled uniformly; larger ones (CelebA at
# 64x64: 2.5 GB) in a tf.data file cache in the cache folder, shuffled through a buffer.
CACHE_LIMIT_BYTES = 1 << 30
STREAM_SHUFFLE_BUFFER = 10_000  # CelebA at 64x64x3 is 12 KB an image: ~120 MB of buffer


NEEDS_TENSORFLOW = (
    "tensorflow-datasets names need TensorFlow and tensorflow-datasets (pip install tensorflow "
    "tensorflow-datasets), whatever the Keras backend. Without them, train from a folder of images, "
    "numpy arrays, or the offline fashion_mnist / mnist IDX files"
)


def _tfds():
    try:
        import tensorflow  # noqa: F401  (tensorflow_datasets needs it, and says so less clearly)
        import tensorflow_datasets
    except ImportError as error:
        raise DataError(f"{NEEDS_TENSORFLOW} ({error}).") from None
    return tensorflow_datasets


@functools.lru_cache(maxsize=1)
def builder_names() -> tuple[str, ...]:
    return tuple(_tfds().list_builders(with_community_datasets=False))


def is_tfds_name(name: str) -> bool:
    """True for "mnist", "cycle_gan/horse2zebra", "mnist:3.0.1" and the like."""
    base = name.split("/")[0].split(":")[0]
    return base in builder_names()


def find_image_feature(features, name: str) -> str:
    """The key of the image feature ("image" when there are several)."""
    image_type = _tfds().features.Image
    keys = [key for key, feature in features.items() if isinstance(feature, image_type)]
    if not keys:
        described = ", ".join(f"{key} ({type(feature).__name__})" for key, feature in features.items())
        raise DataError(
            f"tensorflow-datasets dataset {name!r} has no image feature (it has: {described}), so "
            f"it cannot train a GAN. Accepted: tfds datasets with a tfds.features.Image feature, "
            f"such as mnist, cifar10 or celeb_a."
        )
    return "image" if "image" in keys else keys[0]


def find_label_feature(features):
    """The ClassLabel feature named 'label', if any."""
    feature = features["label"] if "label" in features.keys() else None
    return feature if isinstance(feature, _tfds().features.ClassLabel) else None


def load_tfds(
    name: str,
    *,
    split: str,
    batch_size: int,
    image_size: tuple[int, int] | None,
    shuffle: bool,
    seed: int | None,
    repeat: bool,
    drop_remainder: bool,
    center_crop: int | None = None,
    cache_limit_bytes: int = CACHE_LIMIT_BYTES,
) -> ImageDataset:
    """Args:
    center_crop: side of the central square cut from each image before resizing (CelebA).
    cache_limit_bytes: decoded splits up to this size are cached in memory.
    """
    tfds = _tfds()
    import tensorflow as tf

    from keras_gans.data import pipeline

    try:
        builder = tfds.builder(name)
    except Exception as error:
        raise DataError(f"tensorflow-datasets could not open dataset {name!r}: {error}") from error
    features = builder.info.features
    image_key = find_image_feature(features, name)
    image_feature = features[image_key]
    label_feature = find_label_feature(features)
    pixel_dtype = tf.as_dtype(image_feature.dtype)
    if pixel_dtype not in (tf.uint8, tf.uint16):
        raise DataError(
            f"tensorflow-datasets dataset {name!r} stores {pixel_dtype.name} images in "
            f"{image_key!r}; accepted are uint8 and uint16 images."
        )

    height, width, channels = image_feature.shape
    if center_crop is not None:
        height = min(height, center_crop) if height else None
        width = min(width, center_crop) if width else None
    channels = channels if channels in (1, 3) else 3
    if image_size is None and not (height and width):
        raise DataError(
            f"tensorflow-datasets dataset {name!r} has images of varying size "
            f"{image_feature.shape}; pass image_size=(height, width) to resize them."
        )
    out_height, out_width = image_size or (height, width)

    try:
        builder.download_and_prepare()
        num_examples = _num_examples(builder, split)
        examples = builder.as_dataset(
            split=split,
            shuffle_files=shuffle,
            decoders={image_key: tfds.decode.SkipDecoding()},
            read_config=tfds.ReadConfig(shuffle_seed=seed, try_autocache=False),
        )
    except DataError:
        raise
    except Exception as error:
        raise DataError(
            f"Could not load tensorflow-datasets dataset {name!r}, split {split!r}: {error}\n"
            f"tensorflow-datasets downloads a dataset on first use (network needed); "
            f"TFDS_DATA_DIR chooses where it is stored."
        ) from error
    if num_examples is None:
        cardinality = int(examples.cardinality())
        num_examples = cardinality if cardinality > 0 else None

    def select(example):
        image = example[image_key]
        if label_feature is None:
            return image
        return image, tf.cast(example["label"], tf.int32)

    in_memory = (num_examples is not None
                 and num_examples * out_height * out_width * channels <= cache_limit_bytes)

    def prepare_image(image):
        # Runs once per example: what it returns is cached.
        image = pipeline.to_channels(image_feature.decode_example(image), channels)
        if pixel_dtype == tf.uint16:
            image = tf.cast(image, tf.float32) / 257.0  # 0..65535 -> 0..255 pixel units
        if center_crop is not None:
            image = pipeline.center_crop(image, center_crop)
        image = pipeline.resize(image, (out_height, out_width)) if image_size else image
        image = tf.cast(tf.clip_by_value(tf.round(tf.cast(image, tf.float32)), 0, 255), tf.uint8)
        image.set_shape([out_height, out_width, channels])
        return image

    elements = examples.map(select, num_parallel_calls=pipeline.AUTOTUNE)
    elements = elements.map(pipeline.on_images(prepare_image), num_parallel_calls=pipeline.AUTOTUNE)
    key = (name, split, str(builder.info.version), builder.data_dir, num_examples, out_height, out_width,
           channels, center_crop, shuffle, seed)
    elements = elements.cache() if in_memory else elements.cache(file_cache_prefix(key))
    dataset = pipeline.batched(
        elements,
        batch_size=batch_size,
        shuffle=shuffle,
        shuffle_buffer=num_examples if in_memory else STREAM_SHUFFLE_BUFFER,
        seed=seed,
        repeat=repeat,
        drop_remainder=drop_remainder,
        per_batch=pipeline.on_images(pipeline.pixels_to_unit_range),
    )
    return ImageDataset(
        dataset=dataset,
        name=name,
        image_shape=(int(out_height), int(out_width), channels),
        num_classes=label_feature.num_classes if label_feature is not None else None,
        num_examples=num_examples,
        class_names=tuple(label_feature.names) if label_feature is not None else None,
    )


def file_cache_prefix(key: tuple) -> str:
    """Where tf.data caches a split's decoded images: the cache folder, named by everything that
    changes them (and the order the first epoch writes them in)."""
    import glob
    import hashlib
    import os

    from keras_gans.data.decoded import cache_dir

    prefix = os.path.join(cache_dir("tfds"), f"{key[0].replace('/', '_')}-{key[1]}-" + hashlib.sha1(
        repr(key).encode()).hexdigest()[:16])
    # A run killed while writing leaves a lock file that would refuse every later run; the
    # half-written cache itself is never used (tf.data finishes its index only after a full pass).
    for lock in glob.glob(glob.escape(prefix) + "*.lockfile"):
        os.remove(lock)
    return prefix


def _num_examples(builder, split: str) -> int | None:
    try:
        count = builder.info.splits[split].num_examples
    except Exception:  # unprepared metadata (mock data) or a split expression tfds cannot size
        return None
    return int(count) or None
