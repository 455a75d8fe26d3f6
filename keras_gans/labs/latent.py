"""Walking through a generator's latent space: linear and spherical interpolation, class sweeps.

Latents are small, so the path arithmetic is numpy; only the generator call is Keras.
"""

from __future__ import annotations

import numpy as np

from keras_gans.errors import ConfigError, check_choice

METHODS = ("lerp", "slerp")

# Below this angle (radians) sin(omega) loses most of its significant digits in float64 and the
# slerp weights become 0/0; slerp's limit there is lerp of the directions, which is what we use.
_PARALLEL_ANGLE = 1e-6


def latent_dim_of(generator) -> int:
    """The generator's `latent_dim` attribute, else the last axis of its (first) input shape."""
    dim = getattr(generator, "latent_dim", None)
    if dim is None:
        shape = generator.inputs[0].shape if getattr(generator, "inputs", None) else None
        dim = shape[-1] if shape is not None else None
    if dim is None:
        raise ConfigError(
            "Cannot tell the generator's latent size: give it a `latent_dim` attribute or build it "
            "with a known input shape."
        )
    return int(dim)


def is_conditional(generator) -> bool:
    """Conditional generators say so with a `num_classes` attribute (called as G([z, labels]))."""
    return getattr(generator, "num_classes", None) not in (None, 0)


def _weights(t) -> np.ndarray:
    return np.asarray(t, dtype=np.float64)


def lerp(z0, z1, t):
    """Straight line z0 + t (z1 - z0). `t` scalar -> shape of z0; `t` [T] -> [T, *z0.shape]."""
    z0, z1, t = np.asarray(z0, np.float64), np.asarray(z1, np.float64), _weights(t)
    t = t.reshape(t.shape + (1,) * z0.ndim)
    return (1.0 - t) * z0 + t * z1


def slerp(z0, z1, t):
    """Spherical interpolation along the great circle from z0 to z1 (White 2016, "Sampling
    Generative Networks"), with the norm interpolated linearly.

    The direction turns at constant angular speed (angle to z0 is exactly t * omega) and the norm
    goes linearly from |z0| to |z1|; for equal norms this is the usual slerp formula. Unlike
    lerp, midpoints keep the norm that Gaussian latents concentrate at (~sqrt(latent_dim)), where
    the generator was trained. Works on the last axis, so z0/z1 may be [D] or [N, D].
    Nearly parallel pairs fall back to lerp of the directions (slerp's limit); exactly opposite
    pairs have no unique great circle and raise ConfigError.
    """
    z0, z1, t = np.asarray(z0, np.float64), np.asarray(z1, np.float64), _weights(t)
    n0 = np.linalg.norm(z0, axis=-1, keepdims=True)
    n1 = np.linalg.norm(z1, axis=-1, keepdims=True)
    if np.any(n0 == 0) or np.any(n1 == 0):
        raise ConfigError("slerp needs non-zero latents: the zero vector has no direction.")
    u0, u1 = z0 / n0, z1 / n1
    # 2*atan2(|u0-u1|, |u0+u1|) is accurate for all angles, where arccos(dot) loses half the
    # digits near 0 and pi.
    omega = 2.0 * np.arctan2(
        np.linalg.norm(u0 - u1, axis=-1, keepdims=True), np.linalg.norm(u0 + u1, axis=-1, keepdims=True)
    )
    if np.any(np.pi - omega < _PARALLEL_ANGLE):
        raise ConfigError("slerp between opposite latents is undefined (no unique great circle).")
    tt = t.reshape(t.shape + (1,) * z0.ndim)
    parallel = omega < _PARALLEL_ANGLE
    safe = np.where(parallel, 1.0, omega)
    w0 = np.where(parallel, 1.0 - tt, np.sin((1.0 - tt) * safe) / np.sin(safe))
    w1 = np.where(parallel, tt, np.sin(tt * safe) / np.sin(safe))
    direction = w0 * u0 + w1 * u1
    # Renormalize: exact on the great circle already, and makes the parallel fallback unit length.
    direction = direction / np.linalg.norm(direction, axis=-1, keepdims=True)
    return direction * ((1.0 - tt) * n0 + tt * n1)


def path(z0, z1, steps: int, method: str = "slerp") -> np.ndarray:
    """`steps` latents from z0 to z1 inclusive, [steps, *z0.shape], float32."""
    check_choice("interpolation method", method, METHODS, ConfigError)
    if steps < 2:
        raise ConfigError(f"Interpolation needs steps >= 2 (both endpoints), got {steps}.")
    fn = slerp if method == "slerp" else lerp
    return fn(z0, z1, np.linspace(0.0, 1.0, steps)).astype(np.float32)


def generate(generator, z, labels=None) -> np.ndarray:
    """Runs the generator in inference mode; conditional generators need `labels` (int or [N])."""
    z = np.asarray(z, np.float32)
    if is_conditional(generator):
        if labels is None:
            raise ConfigError(
                f"This generator is conditional ({generator.num_classes} classes): pass labels."
            )
        labels = np.broadcast_to(np.asarray(labels, np.int32), (z.shape[0],))
        out = generator([z, labels], training=False)
    else:
        out = generator(z, training=False)
    return np.asarray(out)


def interpolate(generator, z0, z1, steps: int = 8, method: str = "slerp", labels=None) -> np.ndarray:
    """Images along the path from z0 to z1: [steps, H, W, C] (z0/z1 are [latent_dim])."""
    return generate(generator, path(z0, z1, steps, method), labels)


def interpolate_classes(generator, z0, z1, classes, steps: int = 8, method: str = "slerp"):
    """For a conditional generator: the same latent walk rendered once per class.

    Returns [len(classes) * steps, H, W, C], row-major (row = class). Interpolating *between*
    classes would need the generator's label embedding, which our generators do not expose; the
    grid instead shows what a class sweep is for: z carries the style, the label the content.
    """
    if not is_conditional(generator):
        raise ConfigError("interpolate_classes needs a conditional generator (num_classes set).")
    zs = path(z0, z1, steps, method)
    rows = [generate(generator, zs, labels=int(c)) for c in classes]
    return np.concatenate(rows, axis=0)


def interpolation_grid(generator, rows: int = 4, steps: int = 8, method: str = "slerp", seed=None,
                       labels=None) -> np.ndarray:
    """`rows` walks between random latent pairs: [rows * steps, H, W, C], row-major."""
    rng = np.random.default_rng(seed)
    dim = latent_dim_of(generator)
    walks = [
        interpolate(generator, rng.standard_normal(dim), rng.standard_normal(dim), steps, method, labels)
        for _ in range(rows)
    ]
    return np.concatenate(walks, axis=0)
