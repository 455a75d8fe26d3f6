"""JSON <-> tensors for TF Serving's predict API (row "instances" and columnar "inputs" formats).

Follows tensorflow_serving/g3doc/api_rest.md and the behaviour of its util/json_tensor.cc: the
same keys, the same rules for which formats are allowed, `{"b64": ...}` for bytes, NaN/Infinity
tokens accepted, and error texts that start the way TF Serving's do.
"""

from __future__ import annotations

import base64
import binascii
import json
import math

import numpy as np

from keras_gans.serving.errors import invalid

# tensorflow/core/framework/types.proto enum values for the dtypes a signature may use.
DTYPES = {
    1: ("DT_FLOAT", np.float32),
    2: ("DT_DOUBLE", np.float64),
    3: ("DT_INT32", np.int32),
    4: ("DT_UINT8", np.uint8),
    5: ("DT_INT16", np.int16),
    6: ("DT_INT8", np.int8),
    7: ("DT_STRING", object),
    9: ("DT_INT64", np.int64),
    10: ("DT_BOOL", np.bool_),
}


def _dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"))[:200]


def parse_body(body: bytes) -> dict:
    if not body.strip():
        raise invalid("JSON Parse error: The document is empty")
    try:
        # Python's json accepts NaN/Infinity/-Infinity, as TF Serving's parser does.
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise invalid(f"JSON Parse error: {err}") from None
    except RecursionError:  # TF Serving answers malformed JSON with 400, never a crash
        raise invalid("JSON Parse error: The document is nested too deeply") from None
    if not isinstance(doc, dict):
        raise invalid(f"JSON Value: {_dumps(doc)} Is not object")
    return doc


def signature_name(doc: dict) -> str:
    name = doc.get("signature_name", "")
    if not isinstance(name, str):
        raise invalid(
            f"JSON Value: {_dumps(doc)} not formatted correctly. "
            "'signature_name' key must be a string value."
        )
    return name or "serving_default"


def _leaf(value, dtype_enum: int):
    type_name, _ = DTYPES.get(dtype_enum, (f"enum {dtype_enum}", None))
    if dtype_enum == 7:
        if isinstance(value, str):
            return value.encode()
        if isinstance(value, dict) and set(value) == {"b64"} and isinstance(value["b64"], str):
            try:
                return base64.b64decode(value["b64"], validate=True)
            except (binascii.Error, ValueError):
                raise invalid("Unable to base64 decode") from None
    elif dtype_enum == 10:
        if isinstance(value, bool):
            return value
    elif isinstance(value, bool) or value is None or isinstance(value, (str, dict, list)):
        pass  # JSON true/false are not numbers in TF Serving either
    elif dtype_enum in (1, 2) and isinstance(value, (int, float)):
        if dtype_enum == 1 and math.isfinite(value) and abs(value) > np.finfo(np.float32).max:
            raise invalid(f"Cannot convert JSON value: {value} to float without loss of precision.")
        return value
    elif isinstance(value, int) and dtype_enum in (3, 4, 5, 6, 9):
        info = np.iinfo(DTYPES[dtype_enum][1])
        if info.min <= value <= info.max:
            return value
    kind = {bool: "Bool", str: "String", dict: "Object", list: "Array"}.get(type(value), "Number")
    raise invalid(
        f"JSON Value: {_dumps(value)} Type: {kind} is not of expected type: {type_name}"
    )


def _shape_of(value) -> list[int]:
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        if not value:
            break
        value = value[0]
    return shape


def _flatten(value, shape, level, dtype_enum, out):
    if not isinstance(value, list):
        if level != len(shape):
            raise invalid(
                f"JSON Value: {_dumps(value)} found at incorrect level: {level + 1} in the "
                f"JSON DOM. Expected at level: {len(shape)}"
            )
        out.append(_leaf(value, dtype_enum))
        return
    if level >= len(shape):
        raise invalid(f"Encountered list at unexpected level: {level} expected < {len(shape)}")
    if len(value) != shape[level]:
        raise invalid(
            f"Encountered list at unexpected size: {len(value)} at level: {level} "
            f"expected size: {shape[level]}"
        )
    for item in value:
        _flatten(item, shape, level + 1, dtype_enum, out)


def to_array(value, dtype_enum: int) -> np.ndarray:
    """A dense tensor from nested JSON lists; ragged or mistyped values are INVALID_ARGUMENT."""
    shape = _shape_of(value)
    flat: list = []
    try:
        _flatten(value, shape, 0, dtype_enum, flat)
    except RecursionError:
        raise invalid(f"JSON Value nested {len(shape)} levels deep: too deep for a tensor") from None
    np_dtype = DTYPES.get(dtype_enum, (None, object))[1]
    return np.array(flat, dtype=np_dtype).reshape(shape)


def parse_inputs(doc: dict, input_dtypes: dict[str, int]) -> tuple[dict, str]:
    """Returns ({input name: array}, "row" | "columnar") for a predict request body."""
    has_rows, has_cols = "instances" in doc, "inputs" in doc
    if has_rows and has_cols:
        raise invalid(
            f"JSON Value: {_dumps(doc)} Not formatted correctly expecting only one of "
            "'inputs' or 'instances' keys to exist "
        )
    if has_rows:
        return _parse_rows(doc, input_dtypes), "row"
    if has_cols:
        return _parse_columns(doc["inputs"], input_dtypes), "columnar"
    raise invalid("Missing 'inputs' or 'instances' key")


def _is_named(item) -> bool:
    return isinstance(item, dict) and set(item) != {"b64"}


def _parse_rows(doc: dict, input_dtypes: dict[str, int]) -> dict:
    rows = doc["instances"]
    if not isinstance(rows, list):
        raise invalid(f"JSON Value: {_dumps(doc)} Excepting 'instances' to be an list/array")
    if not rows:
        raise invalid(f"JSON Value: {_dumps(doc)} No values in 'instances' array")
    named = _is_named(rows[0])
    if not named and len(input_dtypes) > 1:
        raise invalid(
            "instances is a plain list, but expecting list of objects as multiple input "
            "tensors required as per tensorinfo_map"
        )
    names = sorted(input_dtypes)
    columns: dict[str, list] = {name: [] for name in names}
    for i, row in enumerate(rows):
        if named != _is_named(row):
            got = "list" if named else "object"
            want = "object" if named else "value/list"
            raise invalid(f"Expecting {want} but got {got} at item {i} of input list")
        if not named:
            row = {names[0]: row}
        unknown = sorted(set(row) - set(names))
        if unknown:
            raise invalid(
                f"Failed to process element: {i} key: {unknown[0]} of 'instances' list. "
                f"Error: JSON object: does not have named input: {unknown[0]}"
            )
        if set(row) != set(names):
            raise invalid(
                f"Failed to process element: {i} of 'instances' list. JSON object: "
                f"{_dumps(row)} keys must be equal to: {','.join(names)}"
            )
        for name in names:
            columns[name].append(row[name])
    try:
        return {name: to_array(columns[name], input_dtypes[name]) for name in names}
    except Exception as err:
        message = getattr(err, "message", str(err))
        raise invalid(f"Failed to process 'instances' list. Error: {message}") from None


def _parse_columns(value, input_dtypes: dict[str, int]) -> dict:
    if not _is_named(value):
        if len(input_dtypes) > 1:
            raise invalid(
                "inputs is a plain value/list, but expecting an object as multiple input "
                "tensors required as per tensorinfo_map"
            )
        (name,) = input_dtypes
        return {name: to_array(value, input_dtypes[name])}
    out = {}
    for name in sorted(input_dtypes):
        if name not in value:
            raise invalid(f"Missing named input: {name} in 'inputs' object.")
        out[name] = to_array(value[name], input_dtypes[name])
    return out


def decimal_texts(array: np.ndarray) -> list[str]:
    """Each float of `array` (flattened) as TF Serving writes it (json_tensor.cc, WriteDecimal).

    Six significant digits where they read back as the same float32/float64, else all the digits
    that type needs (9 / 17); ".0" after whole numbers; NaN, Infinity, -Infinity. So 0.2f is
    written 0.2, not 0.20000000298023224 as a float64 print of it would be. Which values six
    digits represent is found numerically first (printing each value twice would cost as much
    as the model), so in a rare rounding tie a value gets all its digits here where TF Serving
    writes six: the same number either way.
    """
    kind = np.float64 if array.dtype == np.float64 else np.float32
    flat = np.ascontiguousarray(array, dtype=kind).reshape(-1)
    wide = flat.astype(np.float64)
    # Candidates for six digits, each then checked on its printed text.
    with np.errstate(all="ignore"):
        shift = 5 - np.floor(np.log10(np.abs(wide)))
        power = 10.0 ** np.abs(shift)  # exact up to 1e22, where a reciprocal would not be
        rounded = np.where(shift >= 0, np.round(wide * power) / power, np.round(wide / power) * power)
        six_digits = rounded.astype(kind) == flat
    full = "%.17g" if kind is np.float64 else "%.9g"
    texts = [full % value for value in wide.tolist()]
    for i in np.flatnonzero(six_digits | (flat == 0) | ~np.isfinite(flat)).tolist():
        text = "%g" % wide[i]
        texts[i] = text if np.isfinite(flat[i]) and kind(float(text)) == flat[i] else full % wide[i]
    return [text if "." in text or "e" in text else _NON_FINITE.get(text, text + ".0") for text in texts]


_NON_FINITE = {"nan": "NaN", "-nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def _nest(texts: list[str], dims) -> list[str]:
    """Groups flat JSON texts into nested arrays over `dims` (none 0), innermost last."""
    for size in reversed(dims):
        texts = ["[" + ",".join(texts[i:i + size]) + "]" for i in range(0, len(texts), size)]
    return texts


def tensor_json(array: np.ndarray, as_bytes: bool, rows: bool = False):
    """The JSON text of a tensor, or with `rows` a list of the texts of its items (batch first)."""
    if array.size == 0 or array.dtype.kind not in "fbiuOS":  # empty dims, unicode: as they are
        return json.dumps(array.tolist()) if not rows else [json.dumps(item) for item in array.tolist()]
    if array.dtype.kind == "f":
        texts = decimal_texts(array)
    else:
        texts = [json.dumps(v) for v in np.asarray(_jsonable(array, as_bytes), dtype=object).reshape(-1).tolist()]
    if array.ndim == 0:
        return texts if rows else texts[0]
    nested = _nest(texts, array.shape[1:])
    return nested if rows else _nest(nested, array.shape[:1])[0]


def _jsonable(array: np.ndarray, as_bytes: bool):
    if array.dtype == object or array.dtype.kind == "S":
        flat = [
            {"b64": base64.b64encode(v).decode()} if as_bytes else v.decode("utf-8", "replace")
            for v in array.reshape(-1)
        ]
        return np.array(flat, dtype=object).reshape(array.shape).tolist()
    # float32 -> Python float is exact, so clients that cast back to float32 get the same bits.
    return array.tolist()


def make_response(outputs: dict[str, np.ndarray], fmt: str) -> str:
    """The JSON text of `{"predictions": ...}` for row requests, `{"outputs": ...}` for columnar
    ones; a single output is written without its name, several as objects (api_rest.md,
    "Response format"), numbers as TF Serving writes them (`decimal_texts`)."""
    names = sorted(outputs)
    as_bytes = {n: n.endswith("_bytes") for n in names}
    if fmt == "columnar":
        texts = {n: tensor_json(outputs[n], as_bytes[n]) for n in names}
        if len(names) == 1:
            return '{"outputs": ' + texts[names[0]] + "}"
        return '{"outputs": {' + ", ".join(f"{json.dumps(n)}: {texts[n]}" for n in names) + "}}"
    if any(outputs[n].ndim == 0 for n in names) or len({len(outputs[n]) for n in names}) != 1:
        raise invalid("Tensor outputs have inconsistent batch sizes for the row format")
    items = {n: tensor_json(outputs[n], as_bytes[n], rows=True) for n in names}
    if len(names) == 1:
        return '{"predictions": [' + ", ".join(items[names[0]]) + "]}"
    batch = len(outputs[names[0]])
    rows = ("{" + ", ".join(f"{json.dumps(n)}: {items[n][i]}" for n in names) + "}" for i in range(batch))
    return '{"predictions": [' + ", ".join(rows) + "]}"
