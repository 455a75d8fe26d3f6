"""`keras_gans.fit` and `keras-gans train` end to end: real data, the real tfds path, the real CLI."""

import os
import subprocess
import sys

import numpy as np
import pytest
import tensorflow_datasets as tfds

import keras_gans
from keras_gans.errors import ConfigError, DataError

QUIET = {"tensorboard": False, "sample_every": 0, "verbose": 0}


def test_wgan_gp_on_celeb_a_through_the_real_tfds_path(tiny, tmp_path):
    # mock_data stands in for the download only: tfds.load, its features and our crop/resize run.
    with tfds.testing.mock_data(num_examples=40):
        result = keras_gans.fit("wgan_gp", dataset="celeb_a", steps=3, run_dir=tmp_path, **QUIET, **tiny)
        batch = next(iter(result.data.dataset))
    images = batch[0] if isinstance(batch, tuple) else batch
    assert result.data.image_shape == (64, 64, 3)
    assert images.shape[1:] == (64, 64, 3)
    assert float(images.numpy().min()) >= -1.0 and float(images.numpy().max()) <= 1.0
    assert result.sample(2).shape == (2, 64, 64, 3)
    assert all(np.isfinite(v).all() for v in result.history.history.values())


def test_fit_on_a_numpy_array_and_the_result(tiny, tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(64, 32, 32, 3), dtype=np.uint8)
    result = keras_gans.fit("lsgan", dataset=images, steps=2, run_dir=tmp_path, **QUIET, **tiny)
    assert result.config.dataset == "array"
    assert result.data.image_shape == (32, 32, 3)
    assert result.generator is result.model.sampler
    z = np.zeros((3, result.latent_dim), "float32")
    assert tuple(result.generator(z).shape) == (3, 32, 32, 3)
    assert (tmp_path / "config.yaml").read_text().startswith("recipe: lsgan")


def test_bad_input_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="Did you mean 'dcgan'"):
        keras_gans.fit("dcgn", dataset="fashion_mnist")
    with pytest.raises(ConfigError, match="Did you mean 'latent_dim'"):
        keras_gans.fit("dcgan", dataset="fashion_mnist", latentdim=3)
    with pytest.raises(DataError, match="fashion_mnist"):
        keras_gans.fit("dcgan", dataset="fashion_mnst", steps=1, run_dir=tmp_path, **QUIET)


def run_cli(*args, cwd):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.run([sys.executable, "-m", "keras_gans.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_cli_train_and_recipes(tmp_path):
    done = run_cli("train", "dcgan", "--dataset", "fashion_mnist", "--steps", "3", "--seed", "1",
                   "--set", "batch_size=16", "--set", "generator_width=8", "--set", "discriminator_width=8",
                   "--set", "tensorboard=false", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "d_loss" in done.stdout and "run directory: runs/dcgan-fashion_mnist-" in done.stdout
    grids = list((tmp_path / "runs").glob("dcgan-fashion_mnist-*/samples/final.png"))
    assert len(grids) == 1

    listing = run_cli("recipes", cwd=tmp_path)
    assert listing.returncode == 0
    for name in ("gan", "dcgan", "wgan", "wgan_gp", "lsgan", "sngan", "r1"):
        assert f"\n{name} " in "\n" + listing.stdout
    assert "Gulrajani" in listing.stdout


def test_cli_reports_bad_input_without_a_traceback(tmp_path):
    done = run_cli("train", "wgan-gp", cwd=tmp_path)
    assert done.returncode == 2
    assert "Did you mean 'wgan_gp'" in done.stderr and "Traceback" not in done.stderr
    done = run_cli("train", "dcgan", "--set", "batch_size", cwd=tmp_path)
    assert done.returncode == 2 and "key=value" in done.stderr
