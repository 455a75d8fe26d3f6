"""`keras_gans.fit`: a named recipe on a named dataset, trained in one call."""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

import keras
import numpy as np

from keras_gans import callbacks as cb
from keras_gans.config import GANConfig, load_recipe
from keras_gans.data import ImageDataset, load_dataset
from keras_gans.errors import ConfigError
from keras_gans.networks import build_networks
from keras_gans.checkpoints.store import CheckpointStore, read_run_config, write_run_config
from keras_gans.trainer import GAN, build_trainer

STEP_LOG = "metrics.jsonl"


@dataclasses.dataclass
class FitResult:
    """What `fit` returns.

    Attributes:
        model:   the trained `GAN` (generator, discriminator, optimizers, EMA generator).
        history: the Keras `History` (`history.history["d_loss"]` ..., one entry per epoch).
        config:  the `GANConfig` the run used, overrides applied.
        run_dir: the folder holding the run's config, checkpoints, sample grids and logs
                 (`metrics.jsonl`: every step's losses; `train/`: TensorBoard events).
        data:    the `ImageDataset` it trained on (image shape, classes, pipeline).
        warnings: (step, kind, message) health warnings raised during training.
    """

    model: GAN
    history: keras.callbacks.History
    config: GANConfig
    run_dir: Path
    data: ImageDataset
    warnings: list = dataclasses.field(default_factory=list)

    @property
    def checkpoints(self) -> CheckpointStore:
        return CheckpointStore(self.run_dir)

    @property
    def step_log(self) -> list:
        """One dict per generator step: {"step": k, "d_loss": ..., ...} (see `StepLog`)."""
        return cb.read_step_log(self.run_dir / STEP_LOG)

    @property
    def generator(self):
        """The generator to sample from: the EMA generator when the recipe keeps one."""
        return self.model.sampler

    @property
    def discriminator(self):
        return self.model.discriminator

    @property
    def latent_dim(self):
        return self.model.latent_dim

    @property
    def samples_path(self):
        return self.run_dir / "samples" / "final.png"

    def sample(self, num_samples=16, seed=None, batch=None):
        """Images from the sampler, drawn as the sample grids are (one row per class for
        conditional models; image-to-image models translate the sources of a data `batch`)."""
        if batch is None and self.model.conditioning.needs_data_for_preview:
            batch = next(iter(self.data.dataset))
        return keras.ops.convert_to_numpy(self.model.preview(num_samples, seed=seed, batch=batch))


def make_optimizer(config: GANConfig, learning_rate: float):
    if config.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, beta_2=config.beta_2)
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    return keras.optimizers.SGD(learning_rate, momentum=config.beta_1)


def build_gan(config: GANConfig, image_shape, num_classes=None) -> GAN:
    """The compiled, untrained GAN a config describes, for data of `image_shape`."""
    generator, discriminator = build_networks(config, image_shape, num_classes)
    model = build_trainer(config, generator, discriminator, image_shape, num_classes)
    model.compile(
        g_optimizer=make_optimizer(config, config.g_lr),
        d_optimizer=make_optimizer(config, config.d_lr),
        jit_compile=config.jit_compile,
    )
    return model


def set_learning_rates(model: GAN, config: GANConfig) -> None:
    """The config's rates, after a checkpoint restored the ones it was saved with: a run resumed
    with `g_lr`/`d_lr` overrides trains on at the new rates."""
    model.g_optimizer.learning_rate.assign(config.g_lr)
    model.d_optimizer.learning_rate.assign(config.d_lr)


def resolve_config(recipe="dcgan", dataset=None, **overrides) -> tuple[GANConfig, object]:
    """(validated config, data source): a dataset given as an array or path stays the source."""
    source = dataset
    if dataset is not None:
        overrides["dataset"] = dataset if isinstance(dataset, str) else _describe_source(dataset)
    config = load_recipe(recipe, **{k: v for k, v in overrides.items() if v is not None}).validate()
    return config, (source if source is not None and not isinstance(source, str) else config.dataset)


def fit(
    recipe="dcgan",
    dataset=None,
    *,
    steps=None,
    seed=None,
    run_dir=None,
    resume=None,
    log_dir=None,
    callbacks=(),
    verbose="auto",
    **overrides,
) -> FitResult:
    """Trains a recipe on a dataset and returns the trained model with its history.

    Every step's losses go to `RUN_DIR/metrics.jsonl`; TensorBoard logs (unless
    `tensorboard=False`) to `log_dir/train/`: losses, scores, gradient norms and learning rates
    every `log_every` steps, the sample grid every `sample_every`, FID/KID every `fid_every`, and
    the config as hparams. Checkpoints go to `RUN_DIR/checkpoints/` every `checkpoint_every` steps
    and at the end. A NaN or infinite loss or weight raises `TrainingDiverged`.

    Args:
        recipe:   a name from `keras-gans recipes` ("dcgan", "wgan_gp", ...) or a YAML file path.
        dataset:  a dataset name ("fashion_mnist", "celeb_a", any tensorflow-datasets image
                  dataset), a folder of images, or a numpy array of images.
        steps:    generator updates to make in total (the recipe's `steps` otherwise).
        seed:     makes the run repeat exactly on the same machine.
        run_dir:  where checkpoints, samples and logs go; default `runs/<recipe>-<dataset>-<time>/`.
        resume:   a run folder to continue from its latest checkpoint, with its own config
                  (`recipe` is ignored; `steps` and overrides such as a lower `g_lr` apply). With a
                  seed, the steps that follow are the ones the uninterrupted run would have made.
        log_dir:  TensorBoard folder; default the run folder.
        callbacks: extra Keras callbacks; their `logs` hold the usual epoch means.
        verbose:  Keras progress bar setting.
        **overrides: any `GANConfig` field, e.g. `batch_size=128`, `checkpoint_every=1000`.

    Example:
        >>> result = keras_gans.fit("dcgan", dataset="fashion_mnist", steps=2000)
        >>> images = result.generator(keras.random.normal((16, result.latent_dim)))
    """
    overrides = {k: v for k, v in dict(overrides, steps=steps, seed=seed).items() if v is not None}
    if resume is not None:
        run_dir = Path(resume)
        start = CheckpointStore(run_dir).latest()
        config = read_run_config(run_dir, start, **overrides).validate()
        source = _resume_source(config, dataset)
    else:
        config, source = resolve_config(recipe, dataset, **overrides)
        run_dir = Path(run_dir or default_run_dir(config))
        start = _refuse_earlier_run(run_dir)
    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    data = load_dataset(source, batch_size=config.batch_size * config.d_steps,
                        image_size=config.image_size, seed=config.seed)
    model = build_gan(config, data.image_shape, data.num_classes)
    batches = data.dataset
    if start is not None:
        CheckpointStore(run_dir).restore(model, start)
        set_learning_rates(model, config)
        # A seeded pipeline restarted from its beginning yields the same stream, so skipping the
        # batches the run consumed continues it exactly (at the cost of producing them once more).
        batches = batches.skip(start.meta["data_batches"])
    run_dir.mkdir(parents=True, exist_ok=True)
    write_run_config(run_dir, config)

    summary = cb.RunSummary(log_dir or run_dir) if config.tensorboard else None
    watchers = _watchers(config, source, data, run_dir, summary, start)
    remaining = config.steps - int(model.step.numpy())
    steps_per_epoch = max(1, min(config.steps_per_epoch, remaining))
    history = keras.callbacks.History()
    try:
        if remaining > 0:
            history = model.fit(
                batches,
                epochs=math.ceil(remaining / steps_per_epoch),
                steps_per_epoch=steps_per_epoch,
                callbacks=[*watchers, *callbacks],
                verbose=verbose,
                shuffle=False,  # the pipeline shuffles; Keras cannot shuffle a tf.data stream
            )
    finally:
        watchers[-1].close()  # the StepLog: Keras skips on_train_end when a callback raises
        if summary is not None:
            summary.close()
    return FitResult(model=model, history=history, config=config, run_dir=run_dir, data=data,
                     warnings=list(watchers[0].warnings))


def _watchers(config, source, data, run_dir, summary, start) -> list:
    """The run's callbacks, in the order `keras_gans.callbacks` explains (health first)."""
    store = CheckpointStore(run_dir)
    first_batch = _first_batch(data)
    watchers = [cb.TrainingHealth(store, summary, real_images=_real_images(first_batch), every=config.log_every,
                                  seed=config.seed or 0)]
    if config.fid_every:
        watchers.append(cb.QualityMetrics(lambda: _reference(config, source), config.fid_every,
                                          config.fid_samples, summary))
    # What `load_run` needs to rebuild the GAN without loading the data.
    meta = {"image_shape": list(data.image_shape), "num_classes": data.num_classes, "dataset": data.name,
            "config": config.to_dict()}
    watchers.append(cb.CheckpointEvery(store, config.checkpoint_every, meta=meta))
    if summary is not None:
        # Description and paper are prose about the recipe, not settings to compare runs by.
        hparams = cb.flat_hparams({k: v for k, v in config.to_dict().items() if k not in ("description", "paper")})
        watchers.append(cb.TensorBoardLogger(summary, config.log_every, hparams, trial_id=run_dir.name))
    return watchers + [
        cb.SampleGrid(run_dir / "samples", every=config.sample_every, seed=config.seed or 0, summary=summary,
                      batch=first_batch),
        cb.StopAtStep(config.steps),
        cb.StepLog(run_dir / STEP_LOG, start_step=start.step if start else 0),
    ]


def _refuse_earlier_run(run_dir: Path) -> None:
    latest = CheckpointStore(run_dir).latest()
    if latest is not None:
        raise ConfigError(
            f"{run_dir} holds checkpoints of an earlier run (latest: step {latest.step}). Continue it with "
            "resume=RUN_DIR (keras-gans train --resume RUN_DIR), or choose another run_dir."
        )


def default_run_dir(config: GANConfig) -> Path:
    dataset = Path(config.dataset).name.replace("/", "_") or "data"
    base = Path("runs") / f"{config.recipe}-{dataset}-{time.strftime('%Y%m%d-%H%M%S')}"
    # Two runs started within the same second must not share (and overwrite) one folder.
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def _describe_source(source):
    if isinstance(source, (str, Path)):
        return str(source)
    return "array"


def _resume_source(config: GANConfig, dataset):
    if dataset is not None:
        return dataset
    if config.dataset == "array":
        raise ConfigError("This run trained on an in-memory array; pass it again: fit(resume=RUN_DIR, dataset=images).")
    return config.dataset


def _first_batch(data: ImageDataset):
    # A separate iterator: the one Keras trains from is not advanced.
    return next(iter(data.dataset))


def _real_images(batch) -> np.ndarray:
    return np.asarray(batch[0] if isinstance(batch, (tuple, list)) else batch)


def _reference(config: GANConfig, source):
    from keras_gans.checkpoints.evaluate import reference_statistics, training_extractor

    extractor = training_extractor(source if isinstance(source, str) else "", config.fid_network)
    return extractor, reference_statistics(source, extractor, config.fid_samples, config.image_size)
