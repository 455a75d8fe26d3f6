"""Reads MNIST-format IDX files (`train-images-idx3-ubyte.gz`, ...) with numpy and gzip.

The format (http://yann.lecun.com/exdb/mnist/): a big-endian magic number whose third byte is the
element type (0x08 = uint8) and fourth the number of dimensions, then one big-endian uint32 per
dimension, then the elements in C order.
"""

from __future__ import annotations

import functools
import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from keras_gans.errors import DataError, unknown_choice

UINT8_TYPE_CODE = 0x08
SPLIT_PREFIXES = {"train": "train", "test": "t10k"}  # split -> file name prefix


def split_files(directory: Path, split: str) -> tuple[Path, Path]:
    """`(images_file, labels_file)` of `split` in `directory` (gzipped or not)."""
    if split not in SPLIT_PREFIXES:
        raise unknown_choice("split for IDX files", split, SPLIT_PREFIXES, DataError)
    prefix = SPLIT_PREFIXES[split]
    found = []
    for stem in (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"):
        candidates = [directory / f"{stem}.gz", directory / stem]
        existing = [path for path in candidates if path.is_file()]
        if not existing:
            raise DataError(f"IDX file {candidates[0]} (or {candidates[1].name}) not found.")
        found.append(existing[0])
    return found[0], found[1]


def has_split_files(directory: Path, split: str) -> bool:
    try:
        split_files(directory, split)
    except DataError:
        return False
    return True


def read_idx(path: Path, expected_dims: int) -> np.ndarray:
    """One IDX file -> uint8 array; any damage is a `DataError` naming the file."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as stream:
            raw = stream.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"Could not read IDX file {path}: {error}. The file is corrupt or truncated.") from None
    header_size = 4 + 4 * expected_dims
    if len(raw) < header_size:
        raise DataError(f"IDX file {path} is {len(raw)} bytes, too short for its header.")
    zero, type_code, dims = int.from_bytes(raw[0:2], "big"), raw[2], raw[3]
    if zero != 0 or type_code != UINT8_TYPE_CODE or dims != expected_dims:
        raise DataError(
            f"IDX file {path} has magic number 0x{raw[:4].hex()}, expected "
            f"0x0000{UINT8_TYPE_CODE:02x}{expected_dims:02x} (uint8, {expected_dims} dimensions)."
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    expected_size = header_size + int(np.prod(shape))
    if len(raw) != expected_size:
        raise DataError(
            f"IDX file {path} holds {len(raw)} bytes, but its header promises shape {shape} "
            f"({expected_size} bytes). The file is corrupt or truncated."
        )
    array = np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)
    return array


def read_split(directory: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """`(images uint8 [N, H, W], labels uint8 [N])`, cached per file version."""
    images_file, labels_file = split_files(directory, split)
    # Keyed on size and mtime, so a replaced file is read again; repeated fits reuse the arrays.
    return _read_split_cached(
        str(images_file), str(labels_file), _version(images_file), _version(labels_file)
    )


def _version(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


@functools.lru_cache(maxsize=4)
def _read_split_cached(images_file: str, labels_file: str, *versions) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(Path(images_file), expected_dims=3)
    labels = read_idx(Path(labels_file), expected_dims=1)
    if len(images) != len(labels):
        raise DataError(
            f"IDX files disagree: {images_file} holds {len(images)} images but {labels_file} holds "
            f"{len(labels)} labels."
        )
    return images, labels
