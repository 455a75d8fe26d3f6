"""`load_run(RUN_DIR)`: a run's GAN and config back from its checkpoint; `load`: its generator."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from keras_gans.config import GANConfig
from keras_gans.assembly import build_gan, set_learning_rates
from keras_gans.checkpoints.store import Checkpoint, CheckpointStore, read_run_config


@dataclasses.dataclass
class Run:
    """A trained run loaded from disk.

    Attributes:
        model: the `GAN` with every weight, optimizer state, step and random state restored.
        config: the `GANConfig` the checkpoint was written under, overrides applied.
        run_dir: the run folder.
        checkpoint: the `Checkpoint` it was loaded from (`checkpoint.step`, `checkpoint.meta`).
    """

    model: object
    config: GANConfig
    run_dir: Path
    checkpoint: Checkpoint

    @property
    def generator(self):
        """The generator to sample from: the EMA one when the run keeps it."""
        return self.model.sampler

    @property
    def step(self) -> int:
        return self.checkpoint.step

    @property
    def image_shape(self) -> tuple:
        return tuple(self.checkpoint.meta["image_shape"])

    @property
    def num_classes(self):
        return self.checkpoint.meta.get("num_classes")


def load_run(run_dir, checkpoint="latest", **overrides) -> Run:
    """Rebuilds a run's GAN from its config and restores a checkpoint into it.

    Args:
        run_dir: a folder written by `keras_gans.fit` (it holds `config.yaml` and `checkpoints/`).
        checkpoint: "latest", "best" (lowest FID) or a step number.
        **overrides: config fields to change, e.g. a lower `g_lr` before resuming; fields that
            change the networks' shapes make the restore fail with a `ConfigError`.

    Example:
        >>> run = keras_gans.load_run("runs/dcgan-fashion_mnist-20250101-120000")
        >>> run.step, run.config.recipe, run.generator
    """
    run_dir = Path(run_dir)
    read_run_config(run_dir)  # a folder that is no run is named as such, not as "no checkpoint"
    store = CheckpointStore(run_dir)
    found = store.get(checkpoint)
    config = read_run_config(run_dir, found, **overrides).validate()
    model = build_gan(config, tuple(found.meta["image_shape"]), found.meta.get("num_classes"))
    store.restore(model, found)
    set_learning_rates(model, config)
    return Run(model=model, config=config, run_dir=run_dir, checkpoint=found)


def load(run_dir, checkpoint="latest"):
    """The generator of a run, ready to sample: the EMA generator when the run keeps one.

    Example:
        >>> generator = keras_gans.load("runs/dcgan-fashion_mnist-20250101-120000")
        >>> images = generator(keras.random.normal((16, generator.latent_dim)), training=False)
    """
    return load_run(run_dir, checkpoint=checkpoint).generator
