"""Decoded images are cached: a CelebA-size set is decoded once, into files later runs read."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow_datasets as tfds
from test_data import random_pixels, write_png

from keras_gans.data import load_dataset
from keras_gans.data.tfds_source import load_tfds
from keras_gans.errors import DataError


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_GANS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_large_folder_is_decoded_once_into_a_file_cache_that_later_runs_read(tmp_path, cache_folder, monkeypatch):
    from keras_gans.data import decoded

    monkeypatch.setattr(decoded, "MEMORY_LIMIT_BYTES", 0)  # this folder counts as CelebA-size
    folder = tmp_path / "faces"
    originals = {f"{i}.png": random_pixels(i, (6, 4, 3)) for i in range(6)}
    for name, pixels in originals.items():
        write_png(folder / name, pixels)
    options = dict(batch_size=3, shuffle=False, repeat=False)
    first = np.concatenate([np.asarray(b) for b in load_dataset(folder, **options).dataset])
    (cached,) = (cache_folder / "images").glob("*.npy")
    assert np.load(cached).shape == (6, 6, 4, 3)

    # Same size and modification time, unreadable contents: only a run that reads the cache and
    # decodes nothing still gets the images.
    for path in folder.iterdir():
        stat = path.stat()
        path.write_bytes(b"\0" * stat.st_size)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    again = np.concatenate([np.asarray(b) for b in load_dataset(folder, **options).dataset])
    np.testing.assert_array_equal(again, first)
    np.testing.assert_allclose(first[0], originals["0.png"] / 127.5 - 1, atol=1e-6)
    # A changed file is a changed folder: it is decoded afresh (and here found broken).
    os.utime(folder / "0.png")
    with pytest.raises(DataError, match="6 of 6 image files"):
        load_dataset(folder, **options)


def test_a_large_tfds_split_is_decoded_into_a_file_cache(cache_folder):
    with tfds.testing.mock_data(num_examples=5):
        data = load_tfds("celeb_a", split="train", batch_size=5, image_size=(16, 16), shuffle=False, seed=None,
                         repeat=False, drop_remainder=False, center_crop=140, cache_limit_bytes=0)
        first, second = (np.concatenate([b.numpy() for b in data.dataset]) for _ in range(2))
    assert first.shape == (5, 16, 16, 3)
    np.testing.assert_array_equal(first, second)
    assert list((cache_folder / "tfds").glob("celeb_a-train-*.index"))
