"""`keras_gans.fit`: a named recipe on a named dataset, trained in one call."""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

import keras
import yaml

from keras_gans.callbacks import SampleGrid, StopAtStep
from keras_gans.config import GANConfig, load_recipe
from keras_gans.data import ImageDataset, load_dataset
from keras_gans.networks import build_networks
from keras_gans.regularizers import get_regularizer
from keras_gans.trainer import GAN


@dataclasses.dataclass
class FitResult:
    """What `fit` returns.

    Attributes:
        model:   the trained `GAN` (generator, discriminator, optimizers, EMA generator).
        history: the Keras `History` (`history.history["d_loss"]` ..., one entry per epoch).
        config:  the `GANConfig` the run used, overrides applied.
        run_dir: the folder holding the run's config, sample grids and logs.
        data:    the `ImageDataset` it trained on (image shape, classes, pipeline).
    """

    model: GAN
    history: keras.callbacks.History
    config: GANConfig
    run_dir: Path
    data: ImageDataset

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

    def sample(self, num_samples=16, seed=None):
        z = keras.random.normal((num_samples, self.latent_dim), seed=seed)
        return keras.ops.convert_to_numpy(self.generator(z, training=False))


def make_optimizer(config: GANConfig, learning_rate: float):
    if config.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, beta_2=config.beta_2)
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    return keras.optimizers.SGD(learning_rate, momentum=config.beta_1)


def build_gan(config: GANConfig, image_shape, num_classes=None) -> GAN:
    """The compiled, untrained GAN a config describes, for data of `image_shape`."""
    generator, discriminator = build_networks(config, image_shape, num_classes)
    regularizers = [get_regularizer(name, **(args or {})) for name, args in config.regularizers.items()]
    model = GAN(
        generator,
        discriminator,
        latent_dim=config.latent_dim,
        objective=config.objective,
        regularizers=regularizers,
        d_steps=config.d_steps,
        label_smoothing=config.label_smoothing,
        label_flip=config.label_flip,
        instance_noise=config.instance_noise,
        instance_noise_steps=config.instance_noise_steps or config.steps,
        ema_decay=config.ema_decay,
        seed=config.seed,
    )
    model.compile(
        g_optimizer=make_optimizer(config, config.g_lr),
        d_optimizer=make_optimizer(config, config.d_lr),
        jit_compile=config.jit_compile,
    )
    return model


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
    callbacks=(),
    sample_every=500,
    verbose="auto",
    **overrides,
) -> FitResult:
    """Trains a recipe on a dataset and returns the trained model with its history.

    Args:
        recipe:   a name from `keras-gans recipes` ("dcgan", "wgan_gp", ...) or a YAML file path.
        dataset:  a dataset name ("fashion_mnist", "celeb_a", any tensorflow-datasets image
                  dataset), a folder of images, or a numpy array of images.
        steps:    generator updates to make (the recipe's `steps` otherwise).
        seed:     makes the run repeat exactly on the same machine.
        run_dir:  where samples and logs go; default `runs/<recipe>-<dataset>-<time>/`.
        callbacks: extra Keras callbacks.
        sample_every: generator steps between sample grids (0: only the final grid).
        verbose:  Keras progress bar setting.
        **overrides: any `GANConfig` field, e.g. `batch_size=128`, `g_lr=1e-4`.

    Example:
        >>> result = keras_gans.fit("dcgan", dataset="fashion_mnist", steps=2000)
        >>> images = result.generator(keras.random.normal((16, result.latent_dim)))
    """
    config, source = resolve_config(recipe, dataset, steps=steps, seed=seed, **overrides)
    if config.seed is not None:
        keras.utils.set_random_seed(config.seed)
    data = load_dataset(
        source,
        batch_size=config.batch_size * config.d_steps,
        image_size=config.image_size,
        seed=config.seed,
    )
    model = build_gan(config, data.image_shape, data.num_classes)

    run_dir = Path(run_dir or default_run_dir(config))
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config.to_dict(), sort_keys=False))
    samples = SampleGrid(run_dir / "samples", every=sample_every, seed=config.seed or 0)

    steps_per_epoch = min(config.steps_per_epoch, config.steps)
    history = model.fit(
        data.dataset,
        epochs=math.ceil(config.steps / steps_per_epoch),
        steps_per_epoch=steps_per_epoch,
        callbacks=[StopAtStep(config.steps), samples, *callbacks],
        verbose=verbose,
        shuffle=False,  # the pipeline shuffles; Keras cannot shuffle a tf.data stream
    )
    return FitResult(model=model, history=history, config=config, run_dir=run_dir, data=data)


def default_run_dir(config: GANConfig) -> Path:
    dataset = Path(config.dataset).name.replace("/", "_") or "data"
    return Path("runs") / f"{config.recipe}-{dataset}-{time.strftime('%Y%m%d-%H%M%S')}"


def _describe_source(source):
    if isinstance(source, (str, Path)):
        return str(source)
    return "array"
