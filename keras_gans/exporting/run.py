"""`keras_gans.export`: a training run (or a generator) -> a TF Serving SavedModel version."""

from __future__ import annotations

import os
from pathlib import Path

from keras_gans.errors import ConfigError

DIRECTIONS = ("a_to_b", "b_to_a")


def load_source(path, checkpoint="latest", direction="a_to_b"):
    """(generator, export arguments) for a run folder or a saved generator (`.keras` file).

    From a run: the EMA generator when the run keeps one, its latent size, classes (conditional
    recipes), source image shape (image-to-image recipes; CycleGAN's `direction`) and provenance
    (recipe, dataset, step, FID of the checkpoint).
    """
    import keras

    if str(path).endswith(".keras"):
        return keras.saving.load_model(path, compile=False), {}
    from keras_gans.checkpoints.load import load_run

    # float32 networks whatever precision the run trained in: the contract is float32 out.
    run = load_run(path, checkpoint=checkpoint, precision="float32")
    model, config = run.model, run.config
    meta = run.checkpoint.meta
    provenance = {
        "recipe": config.recipe,
        "dataset": config.dataset,
        "step": run.step,
        "run_dir": str(Path(path).resolve()),
        "ema": model.ema_generator is not None,
        "metrics": {k: meta[k] for k in ("fid", "kid") if meta.get(k) is not None},
    }
    # An EMA generator is exported with batch-norm statistics of its own forward passes.
    generator = model.prepare_sampler()
    info = {"provenance": provenance}
    kind = config.conditioning
    if kind in ("paired", "unpaired"):
        conditioning = model.conditioning
        if kind == "unpaired":
            if direction not in DIRECTIONS:
                raise ConfigError(f"direction must be one of {', '.join(DIRECTIONS)}; got {direction!r}.")
            generator = getattr(generator, direction)
            shapes = {"a_to_b": conditioning.shape_a, "b_to_a": conditioning.shape_b}
            info["source_shape"] = shapes[direction]
            provenance["direction"] = direction
        else:
            info["source_shape"] = conditioning.source_shape
    else:
        # InfoGAN's generator input is z and its codes side by side: export that whole vector.
        inputs, _ = model.conditioning.example()
        info["latent_dim"] = int((inputs[0] if isinstance(inputs, list) else inputs).shape[-1])
        if kind == "class":
            info["num_classes"] = run.num_classes
    return generator, info


def export(source, *, name, base="export", version=None, checkpoint="latest", direction="a_to_b",
           provenance=None, **export_arguments) -> Path:
    """Writes `base/NAME/VERSION/` (next free version by default) for TF Serving.

    Args:
        source: a run folder written by `keras_gans.fit`, a `.keras` generator file, or a generator
            `keras.Model` (then pass `latent_dim=`/`num_classes=`/`source_shape=` as needed).
        name: the model name TF Serving serves it under.
        checkpoint: "latest", "best" (lowest FID) or a step, for run folders.
        direction: CycleGAN's generator to export, "a_to_b" or "b_to_a".
        provenance: extra facts to record beside the run's own.

    Example:
        >>> keras_gans.export("runs/demo", name="fashion_dcgan")   # -> export/fashion_dcgan/1
    """
    _require_tensorflow()
    from keras_gans.exporting.saved_model import export_generator

    if isinstance(source, (str, os.PathLike)):
        generator, info = load_source(source, checkpoint=checkpoint, direction=direction)
    else:
        generator, info = source, {}
    recorded = {**info.pop("provenance", {}), **(provenance or {})}
    return export_generator(generator, name=name, base=base, version=version, provenance=recorded,
                            **{**info, **export_arguments})


def _require_tensorflow() -> None:
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ConfigError(
            "Export writes TensorFlow SavedModels for TF Serving, so it runs on Keras's TensorFlow backend "
            f"(this process uses {keras.backend.backend()!r}). Checkpoints move between backends: export a run "
            "trained on JAX with `KERAS_BACKEND=tensorflow keras-gans export RUN_DIR --name NAME`."
        )
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        raise ConfigError("Export needs TensorFlow: pip install 'keras-gans[tensorflow]'.") from None
