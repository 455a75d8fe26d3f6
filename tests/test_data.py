"""keras_gans.data: every source yields float32 NHWC batches in [-1, 1], or a clear DataError.

Real files throughout: PNG/JPEG written with tensorflow's encoders, IDX files in the real format,
the Fashion-MNIST files installed by the Debian package, and tensorflow-datasets' own mock_data.
"""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
import tensorflow_datasets as tfds

from keras_gans.data import DATASETS, ImageDataset, load_dataset
from keras_gans.data.tfds_source import load_tfds
from keras_gans.errors import DataError

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(autouse=True)
def cache_folder(tmp_path, monkeypatch):
    """Decoded-image caches of each test in its own folder (a shared one would serve stale images)."""
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


# ---------------------------------------------------------------- helpers writing real files


def write_png(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_png(image).numpy())
    return path


def write_jpeg(path: Path, image: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(tf.io.encode_jpeg(image).numpy())
    return path


def write_idx(path: Path, array: np.ndarray, magic: bytes | None = None) -> Path:
    """An IDX file exactly as the MNIST/Fashion-MNIST distributions ship them (gzipped)."""
    header = magic or bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as stream:
        stream.write(header + array.astype(np.uint8).tobytes())
    return path


def write_idx_dataset(directory: Path, images: np.ndarray, labels: np.ndarray, prefix="train") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_idx(directory / f"{prefix}-images-idx3-ubyte.gz", images)
    write_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return directory


def first_batch(data: ImageDataset):
    return next(iter(data.dataset))


def take(data: ImageDataset, count: int) -> list:
    return [tf.nest.map_structure(lambda t: t.numpy(), b) for b in data.dataset.take(count)]


def assert_images(images, shape):
    assert images.dtype == tf.float32
    assert tuple(images.shape) == shape
    values = images.numpy()
    assert values.min() >= -1.0 and values.max() <= 1.0


def random_pixels(seed, shape):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


# ---------------------------------------------------------------- Fashion-MNIST from IDX files


@pytest.fixture
def no_idx_env(monkeypatch):
    monkeypatch.delenv("KERAS_GANS_FASHION_MNIST_DIR", raising=False)
    monkeypatch.delenv("KERAS_GANS_MNIST_DIR", raising=False)


@pytest.mark.skipif(not DEBIAN_FASHION_MNIST.is_dir(), reason="needs the dataset-fashion-mnist package")
def test_fashion_mnist_reads_the_debian_idx_files(no_idx_env):
    data = load_dataset("fashion_mnist", batch_size=64, seed=0)
    assert (data.name, data.image_shape, data.num_classes, data.num_examples) == (
        "fashion_mnist", (28, 28, 1), 10, 60000,
    )
    images, labels = first_batch(data)
    assert_images(images, (64, 28, 28, 1))
    # Real garments use the whole range: black background and white highlights.
    assert images.numpy().min() == -1.0 and images.numpy().max() == 1.0
    assert labels.dtype == tf.int32 and set(labels.numpy()) <= set(range(10))
    assert load_dataset("fashion_mnist", split="test", batch_size=8).num_examples == 10000


@pytest.mark.skipif(not DEBIAN_FASHION_MNIST.is_dir(), reason="needs the dataset-fashion-mnist package")
def test_seeded_pipelines_yield_identical_batches(no_idx_env):
    first = take(load_dataset("fashion_mnist", batch_size=32, seed=7), 3)
    second = take(load_dataset("fashion_mnist", batch_size=32, seed=7), 3)
    other = take(load_dataset("fashion_mnist", batch_size=32, seed=8), 3)
    for (a_images, a_labels), (b_images, b_labels) in zip(first, second):
        np.testing.assert_array_equal(a_images, b_images)
        np.testing.assert_array_equal(a_labels, b_labels)
    assert not np.array_equal(first[0][1], other[0][1])


def test_idx_directory_from_environment_scales_pixels_exactly(tmp_path, monkeypatch):
    images = np.zeros((6, 4, 5), np.uint8)
    images[:, 0, 0] = 255
    images[:, 1, 1] = 51  # 51 / 127.5 - 1 = -0.6
    labels = np.arange(6, dtype=np.uint8)
    directory = write_idx_dataset(tmp_path / "fm", images, labels)
    monkeypatch.setenv("KERAS_GANS_FASHION_MNIST_DIR", str(directory))

    data = load_dataset("fashion_mnist", batch_size=3, shuffle=False, image_size=(4, 5))
    assert (data.image_shape, data.num_examples) == ((4, 5, 1), 6)
    (batch, batch_labels), (_, next_labels) = take(data, 2)
    assert batch.shape == (3, 4, 5, 1)
    np.testing.assert_allclose(batch[:, 0, 0, 0], 1.0)
    np.testing.assert_allclose(batch[:, 1, 1, 0], -0.6, atol=1e-6)
    np.testing.assert_allclose(batch[:, 2, 2, 0], -1.0)
    np.testing.assert_array_equal(np.concatenate([batch_labels, next_labels]), labels)


@pytest.mark.parametrize(
    "damage, expected",
    [
        ("magic", "magic number 0x00000903"),
        ("truncated", "corrupt or truncated"),
        ("not_gzip", "corrupt or truncated"),
    ],
)
def test_corrupt_idx_file_is_named(tmp_path, monkeypatch, damage, expected):
    directory = write_idx_dataset(tmp_path, random_pixels(0, (4, 28, 28)), np.arange(4))
    images_file = directory / "train-images-idx3-ubyte.gz"
    if damage == "magic":
        write_idx(images_file, random_pixels(0, (4, 28, 28)), magic=bytes([0, 0, 0x09, 3]))
    elif damage == "truncated":
        with gzip.open(images_file, "wb") as stream:
            stream.write(bytes([0, 0, 8, 3]) + (4).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2)
    else:
        images_file.write_bytes(b"this is not gzip data at all")
    monkeypatch.setenv("KERAS_GANS_FASHION_MNIST_DIR", str(directory))
    with pytest.raises(DataError, match=expected) as error:
        load_dataset("fashion_mnist", batch_size=2)
    assert str(images_file) in str(error.value)


def test_idx_environment_variable_must_name_a_complete_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GANS_FASHION_MNIST_DIR", str(tmp_path / "missing"))
    with pytest.raises(DataError, match="KERAS_GANS_FASHION_MNIST_DIR.*is not a folder"):
        load_dataset("fashion_mnist", batch_size=2)
    write_idx_dataset(tmp_path, random_pixels(0, (4, 8, 8)), np.arange(4))
    monkeypatch.setenv("KERAS_GANS_FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz"):
        load_dataset("fashion_mnist", split="test", batch_size=2)
    with pytest.raises(DataError, match="Unknown split.*'validation'.*Valid choices: test, train"):
        load_dataset("fashion_mnist", split="validation", batch_size=2)


def test_fashion_mnist_falls_back_to_tfds_without_idx_files(tmp_path, monkeypatch, no_idx_env):
    nowhere = dataclasses.replace(DATASETS["fashion_mnist"], idx_directories=(str(tmp_path),))
    monkeypatch.setitem(DATASETS, "fashion_mnist", nowhere)
    with tfds.testing.mock_data(num_examples=8):
        data = load_dataset("fashion_mnist", batch_size=4, seed=0)
        images, labels = first_batch(data)
    assert data.name == "fashion_mnist" and data.num_classes == 10
    assert_images(images, (4, 28, 28, 1))
    assert labels.dtype == tf.int32


# ---------------------------------------------------------------- tensorflow-datasets (mock_data)


def test_celeb_a_is_center_cropped_and_resized_to_64():
    with tfds.testing.mock_data(num_examples=6):
        data = load_dataset("celeb_a", batch_size=4, seed=0)
        images = first_batch(data)
    assert (data.image_shape, data.num_classes) == ((64, 64, 3), None)
    assert_images(images, (4, 64, 64, 3))


def test_celeb_a_streaming_path_crops_the_centre():
    # Stream (decode after shuffling) like the real 23 GB split; resize to the crop size itself,
    # so each output pixel is exactly the source pixel 39 rows / 19 columns in (218, 178 -> 140).
    with tfds.testing.mock_data(num_examples=3):
        cropped = load_tfds(
            "celeb_a", split="train", batch_size=3, image_size=(140, 140), shuffle=False,
            seed=None, repeat=False, drop_remainder=False, center_crop=140, cache_limit_bytes=0,
        )
        full = load_tfds(
            "celeb_a", split="train", batch_size=3, image_size=None, shuffle=False,
            seed=None, repeat=False, drop_remainder=False,
        )
        cropped_images, full_images = first_batch(cropped).numpy(), first_batch(full).numpy()
    assert full_images.shape == (3, 218, 178, 3)
    np.testing.assert_allclose(cropped_images, full_images[:, 39:179, 19:159], atol=1e-5)


def test_cifar10_yields_labels():
    with tfds.testing.mock_data(num_examples=8):
        data = load_dataset("cifar10", batch_size=4, seed=0)
        images, labels = first_batch(data)
    assert (data.image_shape, data.num_classes, data.num_examples) == ((32, 32, 3), 10, 8)
    assert_images(images, (4, 32, 32, 3))
    assert labels.dtype == tf.int32 and labels.shape == (4,)
    assert set(labels.numpy()) <= set(range(10))


def test_any_tfds_image_dataset_by_name_with_config():
    with tfds.testing.mock_data(num_examples=4):
        data = load_dataset("cycle_gan/horse2zebra", split="trainA", batch_size=2, image_size=16)
        images, labels = first_batch(data)
    assert data.image_shape == (16, 16, 3) and data.class_names == ("A", "B")
    assert_images(images, (2, 16, 16, 3))


def test_tfds_dataset_without_image_feature_is_refused():
    with tfds.testing.mock_data(num_examples=2):
        with pytest.raises(DataError, match="'imdb_reviews' has no image feature.*text") as error:
            load_dataset("imdb_reviews", batch_size=2)
    assert "mnist, cifar10 or celeb_a" in str(error.value)


# ---------------------------------------------------------------- folders of image files


def test_folder_with_class_subfolders_yields_labels(tmp_path):
    for i in range(3):
        write_png(tmp_path / "cats" / f"{i}.png", random_pixels(i, (8, 6, 3)))
        write_jpeg(tmp_path / "dogs" / "nested" / f"{i}.JPG", random_pixels(10 + i, (8, 6, 3)))
    (tmp_path / "notes.txt").write_text("ignored")
    (tmp_path / "cats" / ".hidden.png").write_bytes(b"skipped, not decoded")

    data = load_dataset(tmp_path, batch_size=6, shuffle=False, repeat=False)
    assert (data.image_shape, data.num_examples) == ((8, 6, 3), 6)
    assert (data.num_classes, data.class_names) == (2, ("cats", "dogs"))
    images, labels = first_batch(data)
    assert_images(images, (6, 8, 6, 3))
    np.testing.assert_array_equal(labels.numpy(), [0, 0, 0, 1, 1, 1])
    # PNG is lossless: the first image comes back exactly, scaled to [-1, 1].
    np.testing.assert_allclose(images[0].numpy(), random_pixels(0, (8, 6, 3)) / 127.5 - 1, atol=1e-6)


def test_flat_folder_is_unlabeled_and_mixed_channels_become_rgb(tmp_path):
    write_png(tmp_path / "grey.png", random_pixels(0, (5, 5, 1)))
    write_png(tmp_path / "rgba.png", random_pixels(1, (5, 5, 4)))
    write_jpeg(tmp_path / "colour.jpeg", random_pixels(2, (5, 5, 3)))
    data = load_dataset(str(tmp_path), batch_size=3, seed=0)
    assert (data.num_classes, data.image_shape) == (None, (5, 5, 3))
    assert_images(first_batch(data), (3, 5, 5, 3))


def test_mixed_sizes_need_image_size_and_name_two_files(tmp_path):
    write_png(tmp_path / "a.png", random_pixels(0, (10, 12, 1)))
    write_png(tmp_path / "b.png", random_pixels(1, (20, 8, 1)))
    with pytest.raises(DataError, match=r"a.png is 10x12 but .*b.png is 20x8.*image_size"):
        load_dataset(tmp_path, batch_size=2)
    data = load_dataset(tmp_path, batch_size=2, image_size=(16, 16), seed=0)
    assert data.image_shape == (16, 16, 1)
    assert_images(first_batch(data), (2, 16, 16, 1))


def test_corrupt_image_files_are_named(tmp_path):
    write_png(tmp_path / "good.png", random_pixels(0, (4, 4, 3)))
    (tmp_path / "garbage.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    valid_jpeg = tf.io.encode_jpeg(random_pixels(1, (32, 32, 3))).numpy()
    (tmp_path / "truncated.jpg").write_bytes(valid_jpeg[: len(valid_jpeg) // 2])
    with pytest.raises(DataError, match="2 of 3 image files") as error:
        load_dataset(tmp_path, batch_size=1)
    message = str(error.value)
    assert "garbage.png" in message and "truncated.jpg" in message and "good.png" not in message


def test_missing_and_empty_folders_are_refused(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(tmp_path / "nowhere", batch_size=1)
    with pytest.raises(DataError, match="does not exist"):
        load_dataset("./no/such/folder", batch_size=1)
    with pytest.raises(DataError, match="it is empty.*Accepted extensions: .bmp, .gif, .jpeg, .jpg, .png"):
        load_dataset(tmp_path, batch_size=1)
    (tmp_path / "readme.md").write_text("no images here")
    with pytest.raises(DataError, match=r"no image files: it holds 1 other files \(readme.md\)"):
        load_dataset(tmp_path, batch_size=1)


# ---------------------------------------------------------------- numpy arrays


@pytest.mark.parametrize(
    "images, expected_first_pixel",
    [
        (np.full((4, 6, 6), 255, np.uint8), 1.0),                  # uint8 pixels, channel added
        (np.full((4, 6, 6, 3), 0.25, np.float64), -0.5),           # [0, 1] floats
        (np.concatenate([np.full((2, 6, 6, 1), 0.5), np.full((2, 6, 6, 1), -1.0)]), 0.5),  # [-1, 1]
        (np.full((4, 6, 6, 1), 51, np.int64), -0.6),               # integers 0..255
    ],
)
def test_array_scaling_rule(images, expected_first_pixel):
    data = load_dataset(images, batch_size=4, shuffle=False)
    assert data.num_classes is None and data.num_examples == 4
    batch = first_batch(data)
    assert_images(batch, (4, 6, 6, images.shape[3] if images.ndim == 4 else 1))
    assert batch.numpy()[0, 0, 0, 0] == pytest.approx(expected_first_pixel, abs=1e-6)


def test_array_with_labels_and_resize():
    images = random_pixels(0, (10, 8, 8, 3))
    labels = np.array([0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
    data = load_dataset((images, labels), batch_size=4, image_size=16, repeat=False,
                        drop_remainder=False, shuffle=False)
    assert (data.image_shape, data.num_classes) == ((16, 16, 3), 5)
    batches = take(data, 10)
    assert [len(batch_labels) for _, batch_labels in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b for _, b in batches]), labels)
    assert batches[0][0].shape == (4, 16, 16, 3)


@pytest.mark.parametrize(
    "source, expected",
    [
        (np.full((2, 4, 4), 2.0), r"values in \[2, 2\].*\[0, 1\] or \[-1, 1\].*uint8"),
        (np.full((2, 4, 4), 300, np.int32), "values 300..300.*0..255"),
        (np.array([[[np.nan]]]), "NaN or inf"),
        (np.zeros((4, 4), np.uint8), r"shape \(4, 4\).*\[N, H, W\] or \[N, H, W, C\]"),
        (np.zeros((2, 4, 4, 5), np.uint8), r"shape \(2, 4, 4, 5\)"),
        (np.zeros((2, 4, 4), bool), "dtype bool"),
        ((np.zeros((3, 4, 4), np.uint8), np.arange(2)), "3 images but 2 labels"),
        ((np.zeros((2, 4, 4), np.uint8), np.array([0.0, 1.0])), "integer class indices"),
        ((np.zeros((2, 4, 4), np.uint8), np.array([0, -1])), "class indices >= 0"),
    ],
)
def test_bad_arrays_are_refused(source, expected):
    with pytest.raises(DataError, match=expected):
        load_dataset(source, batch_size=1)


# ---------------------------------------------------------------- names and arguments


def test_unknown_name_suggests_the_closest_and_lists_the_choices():
    with pytest.raises(DataError) as error:
        load_dataset("fashon_mnist", batch_size=8)
    message = str(error.value)
    assert "Unknown dataset 'fashon_mnist'. Did you mean 'fashion_mnist'?" in message
    assert "celeb_a, cifar10, fashion_mnist, mnist" in message and "folder" in message
    with pytest.raises(DataError, match="Did you mean 'cifar100'"):
        load_dataset("cifar100x", batch_size=8)  # a tfds builder, not a registered name


@pytest.mark.parametrize(
    "options, expected",
    [
        (dict(batch_size=0), "batch_size must be a positive integer, got 0"),
        (dict(batch_size=2.5), "batch_size must be a positive integer"),
        (dict(batch_size=2, image_size=(0, 4)), r"image_size must be .* got \(0, 4\)"),
        (dict(batch_size=2, image_size="64"), "image_size must be"),
        (dict(batch_size=5, repeat=False), "fewer than batch_size=5"),
    ],
)
def test_bad_arguments_are_refused(options, expected):
    with pytest.raises(DataError, match=expected):
        load_dataset(np.zeros((3, 4, 4), np.uint8), **options)


def test_unsupported_source_type_lists_what_is_accepted():
    with pytest.raises(DataError, match="Cannot load a dataset from int.*registered name"):
        load_dataset(42, batch_size=1)


def test_without_labels_drops_them():
    data = load_dataset((np.zeros((4, 4, 4), np.uint8), np.arange(4)), batch_size=2).without_labels()
    assert data.num_classes is None
    assert_images(first_batch(data), (2, 4, 4, 1))

