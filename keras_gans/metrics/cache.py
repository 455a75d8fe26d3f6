"""Where keras_gans keeps derived files (trained extractors, real-data statistics), written atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile


def cache_dir(*parts: str) -> str:
    """`$KERAS_GANS_CACHE/<parts>` or `~/.cache/keras_gans/<parts>`, created if missing."""
    root = os.environ.get("KERAS_GANS_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "keras_gans")
    path = os.path.join(root, *parts)
    os.makedirs(path, exist_ok=True)
    return path


@contextlib.contextmanager
def atomic_path(final_path: str, suffix: str = ""):
    """Yields a temporary path beside `final_path`; renames it into place only if the block succeeds.

    Readers never see a half-written file, and two processes racing to fill the same cache entry
    both end with a complete file (the last rename wins; both contents are equivalent).
    `suffix` keeps extensions that writers insist on (keras wants `.weights.h5`, numpy `.npz`).
    """
    directory = os.path.dirname(final_path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=directory)
    os.close(fd)
    try:
        yield tmp
        # mkstemp creates 0600 files; a cache is meant to be readable like any other file.
        os.chmod(tmp, 0o644)
        os.replace(tmp, final_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
