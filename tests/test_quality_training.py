"""A few real training steps with each issue-12 piece plugged into the trainer: DiffAugment, ADA
(whose p rises while D overfits a tiny set), LeCam, the relativistic objectives and the r3gan
recipe; and the same on JAX."""

import os
import subprocess
import sys

import numpy as np
import pytest

from keras_gans.data import load_dataset
from keras_gans.assembly import make_optimizer
from keras_gans.networks import build_networks
from keras_gans.trainer import build_trainer
from keras_gans.trainer.factory import build_quality_settings
from recipe_helpers import build_recipe, train

import keras  # noqa: E402

R3GAN_TINY = dict(generator_width=8, discriminator_width=8, blocks_per_stage=1, latent_dim=8)


def finite(history, *names):
    for name in names:
        assert name in history, f"{name} not logged; got {sorted(history)}"
        assert np.all(np.isfinite(history[name])), (name, history[name])


@pytest.mark.parametrize("augment", ["diffaugment", "ada"])
def test_augmented_dcgan_trains(augment):
    model, data, _ = build_recipe("dcgan", augment=augment, augment_options={"p": 0.5} if augment == "ada" else {})
    history = train(model, data, steps=3)
    finite(history, "d_loss", "g_loss")
    if augment == "ada":
        finite(history, "augment_p", "augment_rt")


def test_ada_p_rises_while_the_discriminator_overfits_a_tiny_set():
    images = np.asarray(next(iter(load_dataset("fashion_mnist", batch_size=16, seed=0).dataset))[0])
    config_overrides = dict(batch_size=8, generator_width=4, discriminator_width=8, seed=0, d_lr=1e-3,
                            augment="ada", augment_options={"adjust_kimg": 0.5, "interval": 2})
    from keras_gans.config import load_recipe

    config = load_recipe("dcgan", **config_overrides).validate()
    data = load_dataset(images, batch_size=8, seed=0)                   # 16 images: D memorizes them
    generator, discriminator = build_networks(config, data.image_shape)
    model = build_trainer(config, generator, discriminator, data.image_shape)
    model.compile(g_optimizer=make_optimizer(config, config.g_lr), d_optimizer=make_optimizer(config, config.d_lr))
    history = train(model, data, steps=40)
    # Each adjustment moves p by 8 * 2 / 500 = 0.032 towards r_t = 0.6.
    assert history["augment_rt"][-1] > 0.6
    assert history["augment_p"][-1] >= 0.1, history["augment_p"]


def test_lecam_trains_and_moves_its_anchors():
    model, data, _ = build_recipe("dcgan", regularizers={"lecam": {"weight": 0.3}}, discriminator_norm="none")
    history = train(model, data, steps=3)
    finite(history, "lecam", "d_loss")
    lecam = model.regularizers[0]
    assert float(lecam.updates) == 3.0 and float(lecam.real_average) != 0.0


@pytest.mark.parametrize("objective", ["rpgan", "relativistic_average"])
def test_relativistic_objectives_train(objective):
    model, data, _ = build_recipe("dcgan", objective=objective)
    finite(train(model, data, steps=2), "d_loss", "g_loss")


def test_r3gan_recipe_trains_with_r1_r2_and_an_ema_half_life():
    model, data, config = build_recipe("r3gan", **R3GAN_TINY)
    assert build_quality_settings(config) == {"ema_kimg": 10.0, "ema_rampup": 0.05, "batch_size": 4}
    before = [w.numpy().copy() for w in model.ema_generator.weights]
    history = train(model, data, steps=3)
    finite(history, "r1", "r2", "d_loss", "g_loss")
    assert model.ema.ema_kimg == 10.0
    # Ramp-up: after 2 steps of 4 images the half-life is 8 * 0.05 images, so the average is
    # (almost) the live generator, which has moved.
    assert float(model.ema.beta(2)) == 0.5 ** 10
    for old, averaged, live in zip(before, model.ema_generator.weights, model.generator.weights):
        np.testing.assert_allclose(averaged.numpy(), live.numpy(), atol=1e-5)
    assert any(not np.allclose(b, w.numpy()) for b, w in zip(before, model.ema_generator.weights))


JAX_TRAINING = """
import numpy as np
from recipe_helpers import build_recipe, train
for recipe, overrides in [("dcgan", dict(augment="diffaugment")),
                          ("dcgan", dict(augment="ada", augment_options={"p": 0.5, "interval": 1})),
                          ("dcgan", dict(regularizers={"lecam": {"weight": 0.3}}, discriminator_norm="none")),
                          ("r3gan", dict(generator_width=8, discriminator_width=8, blocks_per_stage=1, latent_dim=8))]:
    model, data, _ = build_recipe(recipe, **overrides)
    history = train(model, data, steps=2)
    assert all(np.isfinite(v).all() for v in history.values()), (recipe, history)
    if "augment" in overrides and overrides["augment"] == "ada":
        assert "augment_p" in history
    if "regularizers" in overrides:
        assert float(model.regularizers[0].updates) == 2.0
print("jax training ok")
"""


@pytest.mark.slow
def test_the_pieces_train_on_jax():
    here = os.path.dirname(os.path.abspath(__file__))
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": os.pathsep.join([here, os.path.dirname(here), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-c", JAX_TRAINING], env=env, capture_output=True, text=True,
                            timeout=600, cwd=os.path.dirname(here))
    assert "jax training ok" in result.stdout, result.stderr[-3000:]
