"""Trains a recipe a few steps on fixed data on 1 or 2 devices and prints what it did as JSON.

Run in its own process: the device count must be set before the backend starts.
    python data_parallel_run.py BACKEND DEVICES RECIPE STEPS
"""

import json
import os
import sys

backend_name, devices, recipe, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
os.environ["KERAS_BACKEND"] = backend_name
if backend_name == "jax":
    os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
    os.environ["JAX_PLATFORMS"] = "cpu"

import numpy as np  # noqa: E402

if backend_name == "tensorflow":
    import tensorflow as tf  # noqa: E402

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)

import keras  # noqa: E402

from keras_gans import backend  # noqa: E402
from keras_gans.config import load_recipe  # noqa: E402
from keras_gans.assembly import make_optimizer  # noqa: E402
from keras_gans.networks import build_networks  # noqa: E402
from keras_gans.trainer import build_trainer  # noqa: E402

BATCH = 8
config = load_recipe(recipe, batch_size=BATCH, generator_width=8, discriminator_width=8, latent_dim=8,
                     seed=0, log_every=steps).validate()
images = np.random.default_rng(0).uniform(-1, 1, (BATCH * config.d_steps * steps, 28, 28, 1)).astype("float32")

keras.utils.set_random_seed(0)
with backend.data_parallel() as distribution:
    generator, discriminator = build_networks(config, (28, 28, 1), None)
    model = build_trainer(config, generator, discriminator, (28, 28, 1), None)
    model.compile(g_optimizer=make_optimizer(config, config.g_lr), d_optimizer=make_optimizer(config, config.d_lr),
                  jit_compile=backend_name == "jax")
    replicas = backend.replicas()
    if backend_name == "tensorflow":
        data = tf.data.Dataset.from_tensor_slices(images).batch(BATCH * config.d_steps, drop_remainder=True)
        model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    else:
        model.fit(images, batch_size=BATCH * config.d_steps, epochs=1, steps_per_epoch=steps, verbose=0,
                  shuffle=False)

weights = {w.path: np.asarray(keras.ops.convert_to_numpy(w)) for w in model.sampler.weights}
print(json.dumps({
    "replicas": replicas,
    "names": model.logged_names,
    "steps": np.asarray(keras.ops.convert_to_numpy(model.recent_steps)).tolist(),
    "sampler_weights": {k: [float(v.sum()), float(np.abs(v).sum())] for k, v in weights.items()},
}))
