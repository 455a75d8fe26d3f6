"""How YAML and command-line values become typed `GANConfig` fields.

Values arrive as YAML scalars and lists, from recipe files, `--set key=value` and keyword arguments;
each is checked against its field's type here, with the few forms users write that YAML reads
otherwise (`1e-4` as a string, `"28x28"`, `"auto"`), and refused with a `ConfigError` that shows
an accepted form.
"""

from __future__ import annotations

import typing

from keras_gans.errors import ConfigError

STAGE_VALUES = ("generator_width", "discriminator_width", "blocks_per_stage")  # a number, or a list (r3gan)


def coerce(key, value, hint):
    """Checks a YAML value against the field's type; ints are accepted where floats are."""
    if key == "image_size":
        return _image_size(value)
    if key == "jit_compile":
        return _jit_compile(value)
    if key in STAGE_VALUES:
        return _stage_values(key, value)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union:  # Optional[X]
        if value is None:
            return None
        return coerce(key, value, next(a for a in args if a is not type(None)))
    expected = origin or hint
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if expected is float and isinstance(value, str):
        # YAML 1.1 reads "1e-4" (no dot) as a string; users mean the number.
        try:
            return float(value)
        except ValueError:
            pass
    if expected is list and isinstance(value, tuple):
        value = list(value)
    if expected is int and isinstance(value, bool) or not isinstance(value, expected):
        raise ConfigError(
            f"{key} must be {getattr(expected, '__name__', expected)}; got {value!r} "
            f"({type(value).__name__})."
        )
    return value


def as_list(value):
    return value if isinstance(value, list) else [value]


def _stage_values(key, value):
    def is_int(v):
        return isinstance(v, int) and not isinstance(v, bool)

    value = list(value) if isinstance(value, tuple) else value
    if is_int(value) or isinstance(value, list) and value and all(is_int(v) for v in value):
        return value
    raise ConfigError(f"{key} must be an int, or for networks=r3gan a list of ints, one per stage from the base "
                      f"grid up; got {value!r}. E.g. {key}=64, or --set {key}=[128,64,32] for 28x28 images.")


def _jit_compile(value):
    if isinstance(value, bool):
        return value
    forms = {"auto": "auto", "true": True, "false": False}
    if isinstance(value, str) and value.strip().lower() in forms:
        return forms[value.strip().lower()]
    raise ConfigError(f"jit_compile must be true, false or auto (XLA where it pays: JAX, or TensorFlow on a GPU); "
                      f"got {value!r}.")


def _image_size(value):
    """None, N (square) or [height, width]; also (height, width) and "HxW" or "(H, W)" strings,
    the forms error messages and shells hand users. Pairs are stored as lists (plain YAML)."""
    if isinstance(value, str):
        parts = value.strip().strip("()[]").replace("x", ",").split(",")
        try:
            value = [int(p) for p in parts] if len(parts) == 2 else int(value)
        except ValueError:
            pass
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    pair = isinstance(value, (tuple, list)) and len(value) == 2
    numbers = list(value) if pair else [value]
    if value is None or all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in numbers):
        return list(value) if pair else value
    raise ConfigError(
        f"image_size must be one positive int (square images) or [height, width]; got {value!r}. "
        "E.g. image_size=64, image_size=(28, 28), or --set image_size=[28,28] on the command line."
    )
