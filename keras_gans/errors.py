"""Errors that name what was wrong, what is accepted, and the closest match."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


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
