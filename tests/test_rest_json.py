"""Tensors to JSON text as TF Serving writes them (util/json_tensor.cc), without a server."""

from __future__ import annotations

import json

import numpy as np

from keras_gans.serving.rest_json import decimal_texts, make_response


def write_decimal(value, kind):
    """json_tensor.cc's WriteDecimal, one value at a time: six digits (absl::StrCat) if they read
    back as the same value, else max_digits10; ".0" after whole numbers."""
    if np.isnan(value):
        return "NaN"
    if np.isinf(value):
        return "-Infinity" if value < 0 else "Infinity"
    text = "%g" % float(value)
    if kind(float(text)) != value:
        text = ("%.9g" if kind is np.float32 else "%.17g") % float(value)
    return text if "." in text or "e" in text else text + ".0"


def test_floats_are_written_as_tf_serving_writes_them():
    rng = np.random.default_rng(0)
    special = [0.0, -0.0, 0.2, 0.1, 2.5, -3.0, 1.0, 1e-5, 3e10, 9000000.0, 123456789.0, 1 / 3,
               np.nan, np.inf, -np.inf, 65504.0, 1e-38]
    for kind in (np.float32, np.float64):
        values = np.concatenate([np.array(special), rng.standard_normal(2000),
                                 np.round(rng.standard_normal(500), 3)]).astype(kind)
        assert decimal_texts(values) == [write_decimal(v, kind) for v in values]
    assert decimal_texts(np.array([0.2, 7.0, -np.inf], np.float32)) == ["0.2", "7.0", "-Infinity"]


def test_responses_read_back_as_the_same_float32_tensors():
    images = np.tanh(np.random.default_rng(1).standard_normal((3, 4, 4, 1))).astype(np.float32)
    row = json.loads(make_response({"images": images}, "row"))
    np.testing.assert_array_equal(np.array(row["predictions"], np.float32), images)
    both = {"images": images, "png_bytes": np.array([b"\x89PNG", b"a", b"b"], dtype=object)}
    rows = json.loads(make_response(both, "row"))["predictions"]
    assert [r["png_bytes"] for r in rows] == [{"b64": "iVBORw=="}, {"b64": "YQ=="}, {"b64": "Yg=="}]
    np.testing.assert_array_equal(np.array([r["images"] for r in rows], np.float32), images)
    columnar = json.loads(make_response(both, "columnar"))["outputs"]
    np.testing.assert_array_equal(np.array(columnar["images"], np.float32), images)
    assert json.loads(make_response({"n": np.zeros((2, 0), np.float32)}, "row")) == {"predictions": [[], []]}
    assert make_response({"s": np.array(3.0, np.float32)}, "columnar") == '{"outputs": 3.0}'
