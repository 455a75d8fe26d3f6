"""Sample grids for conditional and image-to-image generators, laid out one row per condition.

Every function returns float images `[rows * columns, H, W, C]` in row-major order, ready for
`keras_gans.images.save_image_grid(images, path, rows=rows)`.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import ops


def class_grid(generator, num_classes, per_class, latent_dim, seed=0):
    """One row per class, `per_class` columns; column j uses the same z in every row.

    Sharing z down a column shows what the label changes and what z keeps (pose, thickness), the
    figure of Mirza & Osindero 2014 and Odena et al. 2017.

    Args:
        generator:   class-conditional generator `[z, labels] -> images`.
        num_classes: rows of the grid.
        per_class:   columns: samples per class.
        latent_dim:  size of z.
        seed:        seed of the z draws; the same seed gives the same grid.
    """
    z = keras.random.normal((per_class, latent_dim), seed=seed)
    z = ops.tile(z, (num_classes, 1))
    labels = ops.repeat(ops.arange(num_classes, dtype="int32"), per_class)
    return ops.convert_to_numpy(generator([z, labels], training=False))


def code_vector(codes, categorical):
    """InfoGAN codes `{"categorical": int [b, n_cat], "continuous": [b, n_cont]}` -> the flat
    vector appended to z: one one-hot block per categorical code, then the continuous codes."""
    blocks = [
        ops.one_hot(codes["categorical"][:, index], size, dtype="float32")
        for index, size in enumerate(categorical)
    ]
    return ops.concatenate([*blocks, ops.cast(codes["continuous"], "float32")], axis=-1)


def code_grid(generator, latent_dim, categorical, continuous, code=0, values=10, per_value=8, seed=0):
    """InfoGAN's figure: one row per value of code `code`, everything else fixed down each column.

    Codes are numbered categorical first, then continuous. A categorical code takes each of its
    values (`values` is then its size); a continuous one `values` evenly spaced values in [-2, 2],
    past the training range [-1, 1] as in the paper's figure 2.

    Args:
        generator:   `concat(z, codes) -> images`.
        latent_dim:  size of z.
        categorical: values of each categorical code, e.g. (10,).
        continuous:  number of continuous codes.
        code:        which code varies down the rows.
        values:      rows (for continuous codes).
        per_value:   columns.
        seed:        seed of z and of the codes held fixed.
    """
    categorical = tuple(categorical)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((per_value, latent_dim)).astype("float32")
    fixed_cat = np.stack([rng.integers(0, k, per_value) for k in categorical], 1) if categorical else \
        np.zeros((per_value, 0), "int32")
    fixed_cont = rng.uniform(-1, 1, (per_value, continuous)).astype("float32")
    if code < len(categorical):
        row_values = np.arange(categorical[code])
    else:
        row_values = np.linspace(-2.0, 2.0, values, dtype="float32")
    rows = len(row_values)
    cat, cont = np.tile(fixed_cat, (rows, 1)), np.tile(fixed_cont, (rows, 1))
    varied = np.repeat(row_values, per_value)
    if code < len(categorical):
        cat[:, code] = varied
    else:
        cont[:, code - len(categorical)] = varied
    codes = {"categorical": cat.astype("int32"), "continuous": cont}
    inputs = ops.concatenate([np.tile(z, (rows, 1)), code_vector(codes, categorical)], axis=-1)
    return ops.convert_to_numpy(generator(inputs, training=False))


def translation_grid(generator, sources, targets=None, cycle=None):
    """Rows: the sources, their translations, then the targets (paired) or the translations
    mapped back by `cycle` (CycleGAN). One column per source."""
    sources = ops.convert_to_numpy(sources)
    translated = ops.convert_to_numpy(generator(sources, training=False))
    rows = [sources, translated]
    if targets is not None:
        rows.append(ops.convert_to_numpy(targets))
    if cycle is not None:
        rows.append(ops.convert_to_numpy(cycle(translated, training=False)))
    channels = max(row.shape[-1] for row in rows)
    # Edge maps are grey and photos colour: grey rows are repeated to RGB to share one grid.
    return np.concatenate([np.repeat(row, channels // row.shape[-1], axis=-1) for row in rows], axis=0)
