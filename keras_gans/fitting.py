"""`keras_gans.fit`: a named recipe on a named dataset, trained in one call."""

from __future__ import annotations

import contextlib
import dataclasses
import math
import tempfile
import time
from pathlib import Path

import keras
import numpy as np

from keras_gans import callbacks as cb
from keras_gans import backend
from keras_gans.assembly import build_gan, compute_precision, set_learning_rates
from keras_gans.config import GANConfig, load_recipe
from keras_gans.data import ImageDataset, fit_input, load_dataset
from keras_gans.errors import ConfigError, RunStorageError, TrainingInterrupted
from keras_gans.checkpoints.store import STORAGE_ERRNOS, CheckpointStore, read_run_config, write_run_config
from keras_gans.trainer import GAN

STEP_LOG = "metrics.jsonl"


class NothingToTrain(ConfigError):
    """A resume whose latest checkpoint already holds the steps asked for."""


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


def resolve_config(recipe="dcgan", dataset=None, **overrides) -> tuple[GANConfig, object]:
    """(validated config, data source): a dataset given as an array or path stays the source."""
    source = dataset
    if dataset is not None:
        overrides["dataset"] = dataset if isinstance(dataset, str) else _describe_source(dataset)
    config = load_recipe(recipe, **{k: v for k, v in overrides.items() if v is not None}).validate()
    return config, (source if source is not None and not isinstance(source, str) else config.dataset)


def fit(
    recipe=None,
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
    and at the end. A NaN or infinite loss or weight raises `TrainingDiverged`; a folder that
    cannot be written (read-only, disk full) raises `RunStorageError`, Ctrl-C
    `TrainingInterrupted`, each naming the last good checkpoint and how to resume from it.

    Args:
        recipe:   a name from `keras-gans recipes` ("dcgan", "wgan_gp", ...) or a YAML file path;
                  default "dcgan". With `resume`, the run's own recipe is used and another
                  name is refused.
        dataset:  a dataset name ("fashion_mnist", "celeb_a", any tensorflow-datasets image
                  dataset), a folder of images, or a numpy array of images.
        steps:    generator updates to make in total (the recipe's `steps` otherwise).
        seed:     makes the run repeat exactly on the same machine.
        run_dir:  where checkpoints, samples and logs go; default `runs/<recipe>-<dataset>-<time>/`.
        resume:   a run folder to continue from its latest checkpoint, with its own config
                  (`steps` and overrides such as a lower `g_lr` apply; a `steps` the checkpoint
                  already reached raises `NothingToTrain`). With a
                  seed, the steps that follow are the ones the uninterrupted run would have made.
        log_dir:  TensorBoard folder; default the run folder.
        callbacks: extra Keras callbacks; their `logs` hold the usual epoch means.
        verbose:  0 turns off the progress line printed every `log_every` steps and the one
                  "devices:" line.
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
        _refuse_another_recipe(recipe, config, run_dir)
        _refuse_nothing_to_do(config, start, run_dir)
        source = _resume_source(config, dataset)
    else:
        config, source = resolve_config(recipe or "dcgan", dataset, **overrides)
        run_dir = Path(run_dir or default_run_dir(config))
        start = _refuse_earlier_run(run_dir)
    # Before the data and the model: a folder that cannot be written fails in a second, not later.
    for folder in {run_dir, Path(log_dir or run_dir)}:
        check_writable(folder)
    # A distributed run loads, builds, restores and trains inside its strategy (TF; created
    # before TensorFlow runs anything, as multi-worker collectives require) or distribution (JAX).
    placement = contextlib.ExitStack()
    if config.distributed:
        placement.enter_context(backend.data_parallel())
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
    if not backend.is_chief():
        # Every worker of a multi-worker run takes part in each step; one writes the run. The
        # others write their copies where nobody reads them, as Keras's checkpoint callbacks do.
        run_dir = log_dir = Path(tempfile.mkdtemp(prefix="keras-gans-worker-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    write_run_config(run_dir, config)
    if verbose:
        print(f"devices: {describe_devices()}", flush=True)
        print(f"precision: {compute_precision(config)}" + (" (auto)" if config.precision == "auto" else ""), flush=True)

    summary = cb.RunSummary(log_dir or run_dir) if config.tensorboard else None
    watchers = _watchers(config, source, data, run_dir, summary, start)
    remaining = config.steps - int(model.step.numpy())
    execution = config.steps_per_execution
    if remaining % execution:
        raise ConfigError(
            f"The run resumes at step {config.steps - remaining}, which is not a multiple of "
            f"steps_per_execution={execution}; resume with the steps_per_execution it was trained with."
        )
    # Keras runs whole executions, so an epoch is a whole number of them.
    steps_per_epoch = max(execution, min(-(-config.steps_per_epoch // execution) * execution, remaining))
    progress = [cb.ProgressLine(config.steps, config.log_every)] if verbose else []
    history = keras.callbacks.History()
    finished = False
    try:
        if remaining > 0:
            epochs = math.ceil(remaining / steps_per_epoch)
            history = model.fit(
                fit_input(batches),
                epochs=epochs,
                steps_per_epoch=steps_per_epoch,
                # In order, on this thread, with no per-step copy of the logs to Python numbers;
                # our progress line instead of Keras's per-step bar.
                callbacks=cb.RunCallbacks([*watchers, *progress], callbacks, model=model, verbose=0,
                                          epochs=epochs, steps=steps_per_epoch),
                verbose=0,
                shuffle=False,  # the pipeline shuffles; Keras cannot shuffle a tf.data stream
            )
        finished = True
    except (KeyboardInterrupt, OSError) as error:
        backend.sync_model_state(model)  # JAX's fit holds the state until an epoch ends
        if isinstance(error, KeyboardInterrupt):
            _checkpoint_now(model, watchers)
        raise _stopped(error, int(model.step.numpy()), CheckpointStore(run_dir)) from None
    finally:
        # The StepLog: Keras skips on_train_end when a callback raises. After a failure, a log
        # that cannot be flushed (the same full disk) must not hide the error that says what to do.
        with contextlib.suppress(*(() if finished else (OSError,))):
            watchers[0].close()
            if summary is not None:
                summary.close()
        placement.close()
    return FitResult(model=model, history=history, config=config, run_dir=run_dir, data=data,
                     warnings=list(watchers[1].warnings))


def _watchers(config, source, data, run_dir, summary, start) -> list:
    """The run's callbacks, in the order `keras_gans.callbacks` explains (the step log, then health)."""
    store = CheckpointStore(run_dir)
    first_batch = _first_batch(data)
    watchers = [
        cb.StepLog(run_dir / STEP_LOG, start_step=start.step if start else 0),
        cb.TrainingHealth(store, summary, real_images=_real_images(first_batch), every=config.log_every,
                          seed=config.seed or 0, also_at=(config.checkpoint_every, config.fid_every)),
    ]
    if config.fid_every:
        watchers.append(cb.QualityMetrics(lambda: _reference(config, source), config.fid_every,
                                          config.fid_samples, summary))
    # What `load_run` needs to rebuild the GAN without loading the data.
    meta = {"image_shape": list(data.image_shape), "num_classes": data.num_classes, "dataset": data.name,
            "config": config.to_dict()}
    watchers.append(cb.CheckpointEvery(store, config.checkpoint_every, meta=meta,
                                       before_save=[watchers[0].write_through]))
    if summary is not None:
        # Description and paper are prose about the recipe, not settings to compare runs by.
        hparams = cb.flat_hparams({k: v for k, v in config.to_dict().items() if k not in ("description", "paper")})
        watchers.append(cb.TensorBoardLogger(summary, config.log_every, hparams, trial_id=run_dir.name))
    return watchers + [
        cb.SampleGrid(run_dir / "samples", every=config.sample_every, seed=config.seed or 0, summary=summary,
                      batch=first_batch),
        cb.StopAtStep(config.steps),
    ]


def describe_devices() -> str:
    """One line naming what training runs on, e.g. "gpu:0, gpu:1 (jax)" or "cpu:0 only, ...".

    TensorFlow's own start-up lines about missing CUDA drivers are muted (`keras_gans.startup`);
    this is the one line that says whether a GPU is used.
    """
    devices = keras.distribution.list_devices()
    accelerated = [d for d in devices if not d.lower().startswith("cpu")]
    shown = ", ".join(accelerated) if accelerated else f"{', '.join(devices)} only, no GPU found"
    return f"{shown} ({keras.backend.backend()})"


def _checkpoint_now(model, watchers) -> None:
    """On Ctrl-C: a checkpoint of the last finished step, so stopping by hand loses nothing."""
    checkpoints = next(w for w in watchers if isinstance(w, cb.CheckpointEvery))
    step = int(model.step.numpy())
    if step == 0 or (checkpoints.last is not None and checkpoints.last.step == step):
        return
    watchers[0].catch_up()  # the StepLog: a Ctrl-C lands between a step and its callbacks
    # A diverged model keeps the last good checkpoint, which the message then names.
    with contextlib.suppress(cb.TrainingDiverged, OSError):
        checkpoints.save(step)


def _stopped(error, step: int, store: CheckpointStore) -> BaseException:
    """Ctrl-C or a failed write during training, as an error naming the last good checkpoint."""
    if isinstance(error, KeyboardInterrupt):
        return TrainingInterrupted(f"Training was interrupted at step {step}. {store.resume_hint()}")
    if isinstance(error, RunStorageError) or error.errno not in STORAGE_ERRNOS:
        return error  # already explained, or not a write that failed (e.g. an image file gone)
    return store.write_error(error, f"the run's files at step {step}")


def check_writable(folder: Path) -> None:
    """Raises a `ConfigError` unless files can be created in `folder` (or where it would be made)."""
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    try:
        # A real file, not os.access: root passes access checks on read-only mounts' folders too.
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise ConfigError(
            f"Cannot write the run folder {folder}: {error.strerror} ({existing}). Choose a writable "
            "place with run_dir=... / log_dir=... (keras-gans train --run-dir DIR --log-dir DIR)."
        ) from None


def _refuse_another_recipe(recipe, config: GANConfig, run_dir: Path) -> None:
    if recipe is None:
        return
    name = Path(recipe).stem if Path(str(recipe)).suffix in (".yaml", ".yml") else str(recipe)
    if name != config.recipe:
        raise ConfigError(
            f"{run_dir} is a {config.recipe} run, so resuming it trains {config.recipe}, not {name}. "
            f"Continue it without a recipe (keras-gans train --resume {run_dir}), or start a new "
            f"{name} run (keras-gans train {name} ...)."
        )


def _refuse_nothing_to_do(config: GANConfig, start, run_dir: Path) -> None:
    if start is not None and start.step >= config.steps:
        raise NothingToTrain(
            f"Nothing to train: the latest checkpoint of {run_dir} is at step {start.step} and steps="
            f"{config.steps}. Ask for more generator steps in total, e.g. "
            f"`keras-gans train --resume {run_dir} --steps {start.step + config.steps}` "
            "(Python: fit(resume=..., steps=...)); the run is left as it is."
        )


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
