"""A GAN assembled from a config: networks, trainer and optimizers, compiled and untrained.

The one place that turns a `GANConfig` into a `GAN`, shared by `fit` (new runs), `load_run`
(checkpoints), the labs and the benchmarks. It sits below all of them and imports none.
"""

from __future__ import annotations

import contextlib

import keras

from keras_gans.config import GANConfig
from keras_gans.networks import build_networks
from keras_gans.trainer import GAN, build_trainer


def make_optimizer(config: GANConfig, learning_rate: float):
    """The config's optimizer (adam, rmsprop or sgd) at `learning_rate`."""
    if config.optimizer == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=config.beta_1, beta_2=config.beta_2)
    if config.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate)
    return keras.optimizers.SGD(learning_rate, momentum=config.beta_1)


def build_gan(config: GANConfig, image_shape, num_classes=None, precision=None) -> GAN:
    """The compiled, untrained GAN a config describes, for data of `image_shape`.

    Its layers compute in `precision` (default: the config's, see `compute_precision`; "float32"
    for export, whatever the run trained in: the weights are float32 under every mixed policy, so
    they load either way).
    """
    with dtype_policy(precision or compute_precision(config)):
        generator, discriminator = build_networks(config, image_shape, num_classes)
        model = build_trainer(config, generator, discriminator, image_shape, num_classes)
        model.compile(
            g_optimizer=make_optimizer(config, config.g_lr),
            d_optimizer=make_optimizer(config, config.d_lr),
            jit_compile=jit_compile(config),
            steps_per_execution=getattr(config, "steps_per_execution", 1),
        )
    return model


def jit_compile(config: GANConfig) -> bool:
    """Whether the config's train step compiles with XLA on this backend and device."""
    from keras_gans import backend

    if _tf_replicas():
        return False
    return backend.xla_by_default() if config.jit_compile == "auto" else bool(config.jit_compile)


def compute_precision(config: GANConfig) -> str:
    """The Keras dtype policy the config's networks compute in on this backend and device."""
    from keras_gans import backend

    if config.precision != "auto":
        return config.precision
    return "mixed_bfloat16" if backend.bfloat16_by_default() else "float32"


def _tf_replicas() -> bool:
    # XLA-compiled steps under a TF MirroredStrategy fail to reach the replicas' seed-generator
    # state on other devices (TF 2.21: "Trying to access resource ... located in device CPU:1
    # from device CPU:0"); a distributed TF run compiles with TF's graph compiler instead.
    from keras_gans import backend

    return backend.name == "tensorflow" and backend.replicas() > 1


@contextlib.contextmanager
def dtype_policy(name: str):
    """Keras's global dtype policy set to `name` while layers are built, then restored."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def set_learning_rates(model: GAN, config: GANConfig) -> None:
    """The config's rates, after a checkpoint restored the ones it was saved with: a run resumed
    with `g_lr`/`d_lr` overrides trains on at the new rates."""
    model.g_optimizer.learning_rate.assign(config.g_lr)
    model.d_optimizer.learning_rate.assign(config.d_lr)
