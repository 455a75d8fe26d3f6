"""Errors that name what was wrong, what is accepted, and the closest match."""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Iterable, Mapping


class ConfigError(ValueError):
    """A recipe, override or combination of settings that cannot be trained."""


class DataError(ValueError):
    """A dataset that cannot be turned into training images."""


def closest(value: str, choices: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.5)
    return matches[0] if matches else None


def unknown_choice(kind: str, value: str, choices: Iterable[str], error=ValueError) -> Exception:
    """Builds (does not raise) the error for a name that is not among `choices`."""
    choices = sorted(choices)
    hint = closest(value, choices)
    message = f"Unknown {kind} {value!r}."
    if hint is not None:
        message += f" Did you mean {hint!r}?"
    message += f" Valid choices: {', '.join(choices)}."
    return error(message)


def check_choice(kind: str, value: str, choices: Iterable[str], error=ValueError) -> str:
    """Returns `value` if it is one of `choices`, else raises a helpful `error`."""
    choices = list(choices)
    if value not in choices:
        raise unknown_choice(kind, value, choices, error)
    return value


def build_registered(kind: str, registry: Mapping, name: str, arguments: dict):
    """`registry[name](**arguments)`, with unknown names and arguments named as `ConfigError`s.

    Checking the arguments against the constructor's signature up front turns a typo in a recipe
    (`regularizers.r1.weight` for `gamma`) into an error that names the accepted arguments.
    """
    if name not in registry:
        raise unknown_choice(kind, name, registry, ConfigError)
    cls = registry[name]
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "args", "kwargs")]
    for key in arguments:
        if key not in accepted:
            raise unknown_choice(f"argument for {kind} {name!r}", key, accepted, ConfigError)
    return cls(**arguments)


class RunStorageError(OSError):
    """A run folder that cannot be written (read-only, permission, disk full) while training.

    The message names the file, what a checkpoint needs, the last good checkpoint and how to
    continue from it; `errno` and `filename` are those of the failed write.
    """

    def __str__(self):
        return self.strerror  # the whole message; OSError's "[Errno 28] ...: 'file'" repeats it


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) during training; the message names the last checkpoint and how to resume."""
