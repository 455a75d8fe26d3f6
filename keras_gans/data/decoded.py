"""Decoded, channel-converted and resized images, kept so a folder is decoded once, not every epoch.

A set that fits in `MEMORY_LIMIT_BYTES` (as uint8 at its training size) is kept in memory; a
larger one (CelebA-size: 200k x 64 x 64 x 3 = 2.5 GB) goes to a `.npy` file in the cache folder,
memory-mapped, so later epochs and later runs read pixels instead of decoding JPEGs. Images are
decoded the first time a batch asks for them (the first epoch fills the cache as it trains); a
file cache is complete, and reused by later runs, once every image is in it. Its name is a hash of
the files' paths, sizes and modification times and of the requested size, so a changed folder is
decoded afresh.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

MEMORY_LIMIT_BYTES = 1 << 30


def cache_dir(*parts: str) -> str:
    """`$KERAS_GANS_CACHE/<parts>` or `~/.cache/keras_gans/<parts>` (the folder the README documents
    for every derived file), created if missing."""
    root = os.environ.get("KERAS_GANS_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "keras_gans")
    path = os.path.join(root, *parts)
    os.makedirs(path, exist_ok=True)
    return path


def decoder_threads() -> int:
    # Pillow's decoders release the GIL, so threads decode in parallel.
    return max(1, min(16, os.cpu_count() or 1))


def cache_key(paths: list[str], image_size) -> str:
    digest = hashlib.sha1(repr(image_size).encode())
    for path in paths:
        stat = os.stat(path)
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def complete_file_cache(key: str) -> np.ndarray | None:
    """The memory-mapped images of a finished file cache, or None."""
    path = Path(cache_dir("images")) / f"{key}.npy"
    return np.load(path, mmap_mode="r") if path.is_file() else None


class DecodedImages:
    """uint8 `[N, height, width, channels]` images of `paths`, decoded on first access.

    Args:
        paths: image files, in index order.
        shape: `(height, width, channels)` every image is converted to.
        load: path -> uint8 `[height, width, channels]` (decode, convert channels, resize).
        key: names the file cache (see `cache_key`); None keeps the images in memory whatever
            their size.
        memory_limit_bytes: larger sets go to the file cache (default `MEMORY_LIMIT_BYTES`).
    """

    def __init__(self, paths, shape, load, key=None, memory_limit_bytes=None):
        self.paths = list(paths)
        self.shape = (len(self.paths), *shape)
        self.load = load
        self.key = key
        self.filled = np.zeros(len(self.paths), bool)
        self.file = None
        limit = MEMORY_LIMIT_BYTES if memory_limit_bytes is None else memory_limit_bytes
        if key is not None and int(np.prod(self.shape)) > limit:
            self.file = Path(cache_dir("images")) / f"{key}.npy"
            _remove_abandoned(self.file.parent, key)
            partial = self.file.with_name(f"{key}.{os.getpid()}.partial.npy")
            self.pixels = np.lib.format.open_memmap(partial, mode="w+", dtype=np.uint8, shape=self.shape)
        else:
            self.pixels = np.empty(self.shape, np.uint8)
        self._pool = None

    @property
    def in_memory(self) -> bool:
        return self.file is None

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, indices) -> np.ndarray:
        indices = np.asarray(indices)
        missing = np.unique(indices[~self.filled[indices]])
        if len(missing):
            self._decode(missing)
        return self.pixels[indices]

    def _decode(self, indices):
        if self._pool is None:
            self._pool = ThreadPoolExecutor(decoder_threads(), thread_name_prefix="keras_gans-decode")
        for i, image in zip(indices, self._pool.map(lambda i: self.load(self.paths[i]), indices)):
            self.pixels[i] = image
        self.filled[indices] = True
        if self.filled.all():
            self._finish()

    def _finish(self):
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None
        if self.file is not None and not self.file.exists():
            self.pixels.flush()
            # Renamed into place only when complete, so a crashed run never leaves a cache that
            # looks finished; readers map the finished file.
            os.replace(self.pixels.filename, self.file)
            self.pixels = np.load(self.file, mmap_mode="r")


def _remove_abandoned(folder: Path, key: str) -> None:
    """Deletes half-filled caches of `key` whose run has ended (killed before its first full epoch)."""
    for partial in folder.glob(f"{key}.*.partial.npy"):
        pid = int(partial.name.split(".")[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            partial.unlink(missing_ok=True)
        except PermissionError:  # another user's live process
            pass
