"""Image-to-image data: batches `(a, b)` of two domains, paired (pix2pix) or unpaired (CycleGAN).

Sources, by the names `load_dataset` accepts:

- `"paired:DIR"`: DIR/A and DIR/B hold images with matching relative paths (A/x.png <-> B/x.png).
- `"unpaired:DIR"`: DIR/A and DIR/B (or DIR/trainA, DIR/trainB for split "train") hold any images.
- `"cycle_gan/horse2zebra"` and the other tensorflow-datasets `cycle_gan` configs: unpaired,
  from their trainA/trainB (testA/testB) splits.
- `"paired:cityscapes/semantic_segmentation"`: tensorflow-datasets sets in `PAIRED_TFDS`, read
  as (source feature, target feature).
- the Fashion-MNIST demos of `fashion_demos.py`.

Paired batches stay aligned through shuffling because each element is a pair; unpaired batches
zip two independently shuffled pipelines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from keras_gans.data.folder import check_sizes, list_images, load_folder, scan
from keras_gans.data.image_dataset import ImageDataset
from keras_gans.data.options import use_tf_data
from keras_gans.data.streams import BatchStream, ZippedStreams
from keras_gans.errors import DataError

# tfds dataset -> (source feature, target feature); pix2pix's "labels -> photo" direction.
PAIRED_TFDS = {"cityscapes": ("segmentation_label", "image_left")}
UNPAIRED_TFDS = ("cycle_gan",)
PAIRED_PREFIX, UNPAIRED_PREFIX = "paired:", "unpaired:"


@dataclass
class ImagePairDataset(ImageDataset):
    """An `ImageDataset` yielding `(a, b)` batches; `image_shape` is domain B's (the target's).

    Args:
        source_shape: `(height, width, channels)` of domain A images.
        paired:       whether a[i] and b[i] show the same scene (pix2pix) or not (CycleGAN).
    """

    source_shape: tuple = ()
    paired: bool = True


def zip_domains(a: ImageDataset, b: ImageDataset, name: str) -> ImagePairDataset:
    """Two independently shuffled image pipelines -> unpaired `(a, b)` batches."""
    if a.image_shape[:2] != b.image_shape[:2]:
        raise DataError(
            f"Domain A images are {a.image_shape[:2]} and domain B images {b.image_shape[:2]}; pass "
            f"image_size=... so both have one size."
        )
    domains = (a.without_labels().dataset, b.without_labels().dataset)
    if isinstance(domains[0], BatchStream) and isinstance(domains[1], BatchStream):
        zipped = ZippedStreams(domains)
    else:
        import tensorflow as tf

        zipped = tf.data.Dataset.zip(domains)
    sizes = [n for n in (a.num_examples, b.num_examples) if n]
    return ImagePairDataset(zipped, name, b.image_shape, None, max(sizes) if sizes else None,
                            source_shape=a.image_shape, paired=False)


def pair_pipeline(elements, load_pair, *, name, image_size, num_examples, shapes, **options):
    """Shuffled, batched `(a, b)` pairs from elements that `load_pair` turns into uint8 pixels."""
    from keras_gans.data import pipeline

    def prepare_batch(a, b):
        return tuple(pipeline.pixels_to_unit_range(pipeline.resize(x, image_size)) for x in (a, b))

    dataset = pipeline.batched(elements, per_example=load_pair, per_batch=prepare_batch,
                               shuffle_buffer=num_examples or 1000, **options)
    size = lambda shape: (*(image_size or shape[:2]), shape[-1])  # noqa: E731
    return ImagePairDataset(dataset, name, size(shapes[1]), None, num_examples, source_shape=size(shapes[0]))


def load_paired_arrays(sources, targets, *, name="array pairs", image_size, **options) -> ImagePairDataset:
    """uint8 arrays `[N, H, W, C]` of sources and their targets -> paired batches."""
    if len(sources) != len(targets):
        raise DataError(f"Got {len(sources)} source images but {len(targets)} targets; they must pair up.")
    if not use_tf_data():
        return _paired_array_stream(sources, targets, name=name, image_size=image_size, **options)
    import tensorflow as tf

    a, b = tf.constant(sources), tf.constant(targets)
    elements = tf.data.Dataset.range(len(sources))
    return pair_pipeline(elements, lambda i: (tf.gather(a, i), tf.gather(b, i)), name=name,
                         image_size=image_size, num_examples=len(sources),
                         shapes=(sources.shape[1:], targets.shape[1:]), **options)


def _paired_array_stream(sources, targets, *, name, image_size, **options) -> ImagePairDataset:
    from keras_gans.data.arrays import array_stream

    # One stream of indices into both arrays keeps each pair together through the shuffle.
    a, b = (array_stream(x, None, image_size, **options) for x in (sources, targets))
    stream = BatchStream(len(sources), lambda i: (a.make_batch(i), b.make_batch(i)), **{
        k: getattr(a, k) for k in ("batch_size", "shuffle", "seed", "repeat", "drop_remainder")})
    size = lambda shape: (*(image_size or shape[:2]), shape[-1])  # noqa: E731
    return ImagePairDataset(stream, name, size(targets.shape[1:]), None, len(sources),
                            source_shape=size(sources.shape[1:]))


def decode(contents):
    import tensorflow as tf

    # expand_animations=False: a GIF gives its first frame as [H, W, 3] like any other image.
    return tf.io.decode_image(contents, channels=0, expand_animations=False)


def _domain_folders(root: Path, split: str):
    for a, b in ((f"{split}A", f"{split}B"), ("A", "B")):
        if (root / a).is_dir() and (root / b).is_dir():
            return root / a, root / b
    raise DataError(f"{root} needs sub-folders A/ and B/ (or {split}A/ and {split}B/), one per domain.")


def load_paired_folder(root, *, split="train", image_size, **options) -> ImagePairDataset:
    """DIR/A/<path> pairs with DIR/B/<path> (same relative path, any image extension)."""
    import tensorflow as tf

    from keras_gans.data import pipeline

    root = Path(root).expanduser()
    folder_a, folder_b = _domain_folders(root, split)
    files_a = {p.relative_to(folder_a).with_suffix(""): p for p in list_images(folder_a)}
    files_b = {p.relative_to(folder_b).with_suffix(""): p for p in list_images(folder_b)}
    unmatched = sorted(set(files_a) ^ set(files_b))
    if unmatched:
        named = ", ".join(str(p) for p in unmatched[:5])
        raise DataError(f"{len(unmatched)} images in {root} have no partner in the other domain folder: {named}.")
    keys = sorted(files_a)
    paths = [[str(files[k]) for k in keys] for files in (files_a, files_b)]
    shapes = [scan(folder, p) for folder, p in zip((folder_a, folder_b), paths)]
    sizes = [check_sizes(folder, p, s) if image_size is None else None
             for folder, p, s in zip((folder_a, folder_b), paths, shapes)]
    channels = [1 if all(s[2] <= 2 for s in shape.values()) else 3 for shape in shapes]
    if image_size is None and sizes[0] != sizes[1]:
        raise DataError(f"A images are {sizes[0]} and B images {sizes[1]}; pass image_size=... to resize both.")

    def load_pair(path_a, path_b):
        def load(path, c):
            return pipeline.resize(pipeline.to_channels(decode(tf.io.read_file(path)), c), image_size or sizes[0])
        return load(path_a, channels[0]), load(path_b, channels[1])

    size = image_size or sizes[0]
    return pair_pipeline(tf.data.Dataset.from_tensor_slices(tuple(paths)), load_pair, name=str(root),
                         image_size=size, num_examples=len(keys),
                         shapes=((*size, channels[0]), (*size, channels[1])), **options)


def load_unpaired_folders(root, *, split="train", image_size, seed=None, **options) -> ImagePairDataset:
    root = Path(root).expanduser()
    folder_a, folder_b = _domain_folders(root, split)
    # Different seeds: with one seed both domains would be shuffled in lockstep.
    a = load_folder(folder_a, image_size=image_size, seed=seed, **options)
    b = load_folder(folder_b, image_size=image_size, seed=None if seed is None else seed + 1, **options)
    return zip_domains(a, b, str(root))


def load_tfds_unpaired(name, *, split="train", seed=None, **options) -> ImagePairDataset:
    """tfds `cycle_gan/<config>`: domain A from split `<split>A`, domain B from `<split>B`."""
    from keras_gans.data.tfds_source import load_tfds

    a = load_tfds(name, split=f"{split}A", seed=seed, **options)
    b = load_tfds(name, split=f"{split}B", seed=None if seed is None else seed + 1, **options)
    return zip_domains(a, b, name)


def load_tfds_paired(name, *, split="train", image_size, seed=None, **options) -> ImagePairDataset:
    """A tfds set of `PAIRED_TFDS` -> (source feature, target feature) batches."""
    from keras_gans.data import pipeline
    from keras_gans.data.tfds_source import _tfds

    if image_size is None:
        raise DataError(f"Paired tensorflow-datasets set {name!r}: pass image_size=... (its images are large).")
    source_key, target_key = PAIRED_TFDS[name.split("/")[0].split(":")[0]]
    tfds = _tfds()
    try:
        builder = tfds.builder(name)
        builder.download_and_prepare()
        examples = builder.as_dataset(split=split, shuffle_files=options.get("shuffle", True),
                                      read_config=tfds.ReadConfig(shuffle_seed=seed, try_autocache=False))
    except Exception as error:
        raise DataError(f"Could not load tensorflow-datasets dataset {name!r}, split {split!r}: {error}") from error
    features = builder.info.features
    channels = [3 if features[k].shape[-1] not in (1,) else 1 for k in (source_key, target_key)]

    def load_pair(example):
        return tuple(pipeline.resize(pipeline.to_channels(example[k], c), image_size)
                     for k, c in zip((source_key, target_key), channels))

    return pair_pipeline(examples, load_pair, name=name, image_size=image_size, num_examples=None, seed=seed,
                         shapes=((*image_size, channels[0]), (*image_size, channels[1])), **options)


def load_image_pairs(source: str, *, split, **options):
    """Routes a name with a `paired:`/`unpaired:` prefix or a `cycle_gan/...` name; None otherwise."""
    if source.startswith(PAIRED_PREFIX):
        target = source[len(PAIRED_PREFIX):]
        if target.split("/")[0].split(":")[0] in PAIRED_TFDS:
            return load_tfds_paired(target, split=split, **options)
        return load_paired_folder(target, split=split, **options)
    if source.startswith(UNPAIRED_PREFIX):
        return load_unpaired_folders(source[len(UNPAIRED_PREFIX):], split=split, **options)
    if source.split("/")[0].split(":")[0] in UNPAIRED_TFDS and not split.endswith(("A", "B")):
        # A split named trainA / testB asks for one domain: that stays an ordinary image set.
        return load_tfds_unpaired(source, split=split, **options)
    return None
