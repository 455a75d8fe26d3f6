"""A quiet TensorFlow start-up: no CUDA-driver lines on stderr of every command.

TensorFlow's C++ libraries write their start-up lines ("Could not find cuda drivers", "failed call
to cuInit", the oneDNN notice) before its logging is configured, so `TF_CPP_MIN_LOG_LEVEL` cannot
silence them; on a CPU machine they are noise, and where a GPU is missing by mistake the one
"devices:" line `keras-gans train` prints says so. The import of `tensorflow` and its device
discovery run with file descriptor 2 pointed at /dev/null; Python errors still surface, after
stderr is back. `TF_CPP_MIN_LOG_LEVEL=0` keeps every line.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.util
import os
import sys


@contextlib.contextmanager
def muted_stderr():
    """Points file descriptor 2 (what C++ code writes to) at /dev/null for the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _QuietLoader(importlib.abc.Loader):
    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        with muted_stderr():
            self.loader.exec_module(module)
            # Device discovery prints the cuInit lines; listing physical devices does it now,
            # without creating the runtime (memory growth and visible devices stay settable).
            module.config.list_physical_devices()


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)  # find the real spec with the other finders, once
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


def quiet_tensorflow_startup() -> None:
    """Installs the quiet import, unless TensorFlow's logs are wanted. When TensorFlow was
    imported first (`import keras` before `import keras_gans`) its import lines are out already;
    its device discovery still runs quietly here."""
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2") in ("", "0"):
        return
    tensorflow = sys.modules.get("tensorflow")
    if tensorflow is not None:
        if hasattr(tensorflow, "config"):  # not while TensorFlow itself is being imported
            with muted_stderr():
                tensorflow.config.list_physical_devices()
    elif not any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _QuietTensorFlowFinder())
