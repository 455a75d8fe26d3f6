"""SavedModel export of a generator for TF Serving: the one module with export-specific TF code."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from keras_gans.exporting import warmup
from keras_gans.exporting.serving_config import write_serving_config

DEFAULT_SIGNATURE = "serving_default"
SEED_SIGNATURE = "generate_from_seed"
PROVENANCE_FILENAME = "provenance.json"
# TF Serving replays at most this many warm-up records per version; we send one per signature
# with a small batch so warm-up stays quick even for a large generator.
WARMUP_BATCH = 2


def version_dirs(model_dir: Path) -> dict[int, Path]:
    """Numeric sub-folders of `model_dir`, as TF Serving sees them (other names are ignored)."""
    if not model_dir.is_dir():
        return {}
    out = {}
    for child in model_dir.iterdir():
        if child.is_dir() and child.name.isdigit():
            out[int(child.name)] = child
    return out


def _infer_latent_dim(generator: keras.Model) -> int:
    shape = generator.inputs[0].shape if getattr(generator, "inputs", None) else None
    if shape is None or len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            "Cannot infer latent_dim from the generator's inputs; pass latent_dim=... explicitly."
        )
    return int(shape[-1])


def _reject_non_finite(values, message: str):
    # CheckNumerics fails the request with INVALID_ARGUMENT (HTTP 400 in TF Serving) instead of
    # returning NaN images. It keeps no state across calls, unlike random ops.
    return tf.debugging.check_numerics(values, message)


def _check_labels(label, num_classes: int):
    # Embedding lookups on GPU return zeros for out-of-range ids instead of failing, so the range
    # is checked in the graph. A NaN marker + CheckNumerics gives INVALID_ARGUMENT without the
    # Assert op's control-flow plumbing.
    in_range = tf.logical_and(label >= 0, label < num_classes)
    marker = tf.where(in_range, tf.zeros_like(label, tf.float32), np.float32(np.nan))
    checked = _reject_non_finite(marker, f"label must be in [0, {num_classes})")
    with tf.control_dependencies([checked]):
        return tf.identity(tf.cast(label, "int32"))


def _to_uint8(images):
    # [-1, 1] -> [0, 255], rounded, as the sample grids do.
    scaled = tf.round((tf.clip_by_value(images, -1.0, 1.0) + 1.0) * 127.5)
    return tf.cast(scaled, tf.uint8)


def _latents_from_seeds(seed, latent_dim: int):
    # One stateless draw per example: example i depends only on seed[i], so a seed gives the same
    # image whatever batch it is sent in, on any server, with no RNG state in the graph.
    def draw(s):
        return tf.random.stateless_normal([latent_dim], seed=tf.stack([s, tf.zeros_like(s)]))

    return tf.map_fn(draw, seed, fn_output_signature=tf.TensorSpec([latent_dim], tf.float32))


def _build_translation_archive(generator, source_shape):
    """Image-to-image generators (pix2pix, one CycleGAN direction): `image` -> `images`."""

    def translate(image):
        image = _reject_non_finite(image, "image must be finite")
        images = tf.cast(generator(image, training=False), tf.float32)
        return {"images": images, **_seed_outputs(images)}

    archive = keras.export.ExportArchive()
    archive.track(generator)
    spec = tf.TensorSpec([None, *source_shape], tf.float32, name="image")
    archive.add_endpoint(DEFAULT_SIGNATURE, translate, input_signature=[spec])
    return archive


def _build_archive(generator, latent_dim: int, num_classes: int | None):
    conditional = num_classes is not None

    def run(z, label=None):
        inputs = z if label is None else [z, label]
        # Mixed-precision generators compute in float16; the contract is float32 out.
        return tf.cast(generator(inputs, training=False), tf.float32)

    z_spec = tf.TensorSpec([None, latent_dim], tf.float32, name="z")
    label_spec = tf.TensorSpec([None], tf.int64, name="label")
    seed_spec = tf.TensorSpec([None], tf.int64, name="seed")

    if conditional:

        def serve(z, label):
            z = _reject_non_finite(z, "z must be finite")
            return {"images": run(z, _check_labels(label, num_classes))}

        def from_seed(seed, label):
            images = run(_latents_from_seeds(seed, latent_dim), _check_labels(label, num_classes))
            return _seed_outputs(images)

        serve_sig, seed_sig = [z_spec, label_spec], [seed_spec, label_spec]
    else:

        def serve(z):
            return {"images": run(_reject_non_finite(z, "z must be finite"))}

        def from_seed(seed):
            return _seed_outputs(run(_latents_from_seeds(seed, latent_dim)))

        serve_sig, seed_sig = [z_spec], [seed_spec]

    archive = keras.export.ExportArchive()
    archive.track(generator)
    archive.add_endpoint(DEFAULT_SIGNATURE, serve, input_signature=serve_sig)
    archive.add_endpoint(SEED_SIGNATURE, from_seed, input_signature=seed_sig)
    return archive


def _seed_outputs(images):
    uint8 = _to_uint8(images)
    # TF Serving base64-encodes string outputs whose name ends in "_bytes".
    png = tf.map_fn(tf.io.encode_png, uint8, fn_output_signature=tf.TensorSpec([], tf.string))
    return {"images_uint8": uint8, "images_png_bytes": png}


def _generation_warmup(latent_dim: int, num_classes: int | None) -> dict:
    rng = np.random.default_rng(0)
    label = {"label": np.zeros([WARMUP_BATCH], np.int64)} if num_classes else {}
    return {
        DEFAULT_SIGNATURE: {"z": rng.standard_normal([WARMUP_BATCH, latent_dim]).astype("float32"), **label},
        SEED_SIGNATURE: {"seed": np.arange(WARMUP_BATCH, dtype=np.int64), **label},
    }


def _write_warmup(path: Path, name: str, requests: dict) -> None:
    """TF Serving replays these {signature: {input: array}} requests before serving a version."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tf.io.TFRecordWriter(str(path)) as writer:
        for signature, inputs in requests.items():
            writer.write(warmup.prediction_log(name, signature, inputs))


def _next_version(model_dir: Path) -> int:
    versions = version_dirs(model_dir)
    return max(versions) + 1 if versions else 1


def export_generator(
    generator: keras.Model,
    *,
    name: str,
    base: str | os.PathLike = "export",
    version: int | None = None,
    latent_dim: int | None = None,
    num_classes: int | None = None,
    source_shape: tuple | None = None,
    provenance: dict | None = None,
) -> Path:
    """Writes `base/name/version/`, a SavedModel that TF Serving loads with the tag `serve`.

    Signatures: `serving_default` (`z` float32 [batch, latent_dim], plus `label` int64 [batch]
    when `num_classes` is set -> `images` float32 [batch, H, W, C] in [-1, 1]) and
    `generate_from_seed` (`seed` int64 [batch] (+ `label`) -> `images_uint8` uint8 and
    `images_png_bytes` PNG strings). `assets.extra/` holds `provenance.json` and TF Serving's
    warm-up requests. `base/models.config` is rewritten to list what is on disk (see
    `serving_config`). The version folder is written under a temporary name and renamed into place,
    so a server polling `base/name/` never loads a half-written version.

    Args:
        generator: a keras generator mapping `z` (or `[z, labels]`) to images in [-1, 1].
        name: model name; TF Serving's `MODEL_NAME` / `models.config` name.
        base: the folder that a server is pointed at (`keras-gans serve base/`).
        version: integer version; default is one more than the newest existing version.
        latent_dim: defaults to the generator's input width.
        num_classes: set for conditional generators (adds the `label` input).
        source_shape: (H, W, C) of the input images of an image-to-image generator; the export
            then has one signature, `serving_default`: `image` float32 [batch, H, W, C] in
            [-1, 1] -> `images` (float32), `images_uint8` and `images_png_bytes`.
        provenance: JSON-serializable facts about the run (recipe, dataset, step, metrics).
    Returns:
        The path of the written version folder.
    """
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"Invalid model name {name!r}: use a plain folder name such as 'dcgan'.")
    model_dir = Path(base) / name
    if version is None:
        version = _next_version(model_dir)
    if int(version) < 0:
        raise ValueError(f"version must be a non-negative integer, got {version!r}.")
    target = model_dir / str(int(version))
    if target.exists():
        existing = ", ".join(str(v) for v in sorted(version_dirs(model_dir)))
        raise FileExistsError(
            f"{target} already exists (versions of {name!r} on disk: {existing}); refusing to "
            f"overwrite a served version. Leave out the version to write "
            f"{_next_version(model_dir)}, or pick an unused number."
        )
    translation = source_shape is not None
    if translation:
        source_shape = tuple(int(d) for d in source_shape)
    else:
        latent_dim = int(latent_dim) if latent_dim is not None else _infer_latent_dim(generator)

    record = {
        "name": name,
        "version": int(version),
        "latent_dim": latent_dim,
        "num_classes": num_classes,
        "source_shape": list(source_shape) if translation else None,
        "signatures": [DEFAULT_SIGNATURE] if translation else [DEFAULT_SIGNATURE, SEED_SIGNATURE],
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "dtype_policy": str(getattr(generator, "dtype_policy", None)),
        **(provenance or {}),
    }
    model_dir.mkdir(parents=True, exist_ok=True)
    # Non-numeric name: TF Serving and our server ignore it until the rename below.
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{version}-", dir=model_dir))
    # mkdtemp makes the folder owner-only; a TF Serving container often runs as another user.
    staging.chmod(0o755)
    try:
        if translation:
            archive = _build_translation_archive(generator, source_shape)
        else:
            archive = _build_archive(generator, latent_dim, num_classes)
        archive.write_out(str(staging), verbose=False)
        extra = staging / "assets.extra"
        extra.mkdir(exist_ok=True)
        (extra / PROVENANCE_FILENAME).write_text(json.dumps(record, indent=2, default=str) + "\n")
        if translation:
            _write_warmup(extra / warmup.WARMUP_FILENAME, name,
                          {DEFAULT_SIGNATURE: {"image": np.zeros([WARMUP_BATCH, *source_shape], np.float32)}})
        else:
            _write_warmup(extra / warmup.WARMUP_FILENAME, name, _generation_warmup(latent_dim, num_classes))
        try:
            os.rename(staging, target)
        except OSError as err:  # another exporter won the race for this version number
            raise FileExistsError(f"{target} appeared while exporting: {err}") from err
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    write_serving_config(base)
    return target


def read_provenance(version_dir: str | os.PathLike) -> dict:
    """The provenance record written next to an export."""
    path = Path(version_dir) / "assets.extra" / PROVENANCE_FILENAME
    return json.loads(path.read_text())
