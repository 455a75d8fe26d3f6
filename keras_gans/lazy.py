"""Package attributes that import their module on first use (PEP 562), so that the command line
answers `--help` without loading TensorFlow."""

from __future__ import annotations

import importlib


def lazy_attributes(package: str, api: dict):
    """`(__getattr__, __dir__)` for `package`, whose public `name` lives in module `api[name]`."""

    def __getattr__(name):
        if name in api:
            return getattr(importlib.import_module(api[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(api)

    return __getattr__, __dir__
