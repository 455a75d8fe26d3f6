"""Shared by the conditional, image-to-image and precision tests: build a recipe's model on real
data; the compute policy `precision: auto` should choose on this CPU."""

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras is imported)
from keras_gans.config import GANConfig, load_recipe
from keras_gans.data import fit_input, load_dataset
from keras_gans.assembly import make_optimizer
from keras_gans.networks import build_networks
from keras_gans.trainer import build_trainer

# Small enough for 2 shared CPU cores; every network keeps its full structure.
TINY = dict(batch_size=4, generator_width=4, discriminator_width=4, generator_blocks=1, seed=0)


def build_recipe(recipe, **overrides):
    """(model, data, config) for a recipe, the way `keras_gans.fit` assembles them."""
    config = load_recipe(recipe, **{**TINY, **overrides}).validate()
    data = load_dataset(config.dataset, batch_size=config.batch_size * config.d_steps,
                        image_size=config.image_size, seed=0)
    generator, discriminator = build_networks(config, data.image_shape, data.num_classes)
    model = build_trainer(config, generator, discriminator, data.image_shape, data.num_classes)
    model.compile(g_optimizer=make_optimizer(config, config.g_lr), d_optimizer=make_optimizer(config, config.d_lr))
    return model, data, config


def train(model, data, steps):
    return model.fit(fit_input(data.dataset), steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False).history


def assert_config_round_trips(config):
    """The config survives dict and YAML form unchanged (what run folders store and reload)."""
    import yaml

    assert GANConfig.from_dict(config.to_dict()) == config
    assert GANConfig.from_dict(yaml.safe_load(yaml.safe_dump(config.to_dict()))).validate() == config


def auto_precision_on_this_cpu(backend):
    """mixed_bfloat16 where TensorFlow's oneDNN kernels have bfloat16 arithmetic (the CPU flags list
    AVX512_BF16 or AMX); float32 elsewhere and on JAX, whose XLA CPU backend keeps float32."""
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((set(line.split(":", 1)[1].split()) for line in cpuinfo if line.startswith("flags")), set())
    native = bool(flags & {"avx512_bf16", "amx_bf16"}) and backend == "tensorflow"
    return "mixed_bfloat16" if native else "float32"
