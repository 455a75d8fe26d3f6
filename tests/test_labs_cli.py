"""The labs' subcommands, parsed and run end to end on tiny inputs."""

import argparse

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras loads)
import keras
import numpy as np
import tensorflow as tf

from keras_gans.images import save_image_grid
from keras_gans.labs.cli import register


def _run(argv):
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command")
    register(subparsers)
    args = parser.parse_args(argv)
    return args.func(args)


def _png_shape(path):
    return tuple(tf.io.decode_png(tf.io.read_file(str(path))).shape)


def _saved_generator(tmp_path):
    keras.utils.set_random_seed(0)
    z = keras.Input((4,))
    out = keras.layers.Reshape((6, 6, 1))(keras.layers.Dense(36, activation="tanh")(z))
    path = tmp_path / "g.keras"
    keras.Model(z, out).save(path)
    return str(path)


def test_lab_dirac_writes_report_and_picture(tmp_path, capsys):
    assert _run(["lab", "dirac", "--setups", "gan,gan_r1", "--steps", "30", "--out", str(tmp_path)]) == 0
    assert "gan_r1" in capsys.readouterr().out
    assert _png_shape(tmp_path / "dirac.png")[0] > 100


def test_interpolate_and_morph_commands(tmp_path, capsys):
    g = _saved_generator(tmp_path)
    out = tmp_path / "walk.png"
    assert _run(["interpolate", g, "--rows", "3", "--steps", "5", "--out", str(out)]) == 0
    assert _png_shape(out) == (3 * 7 + 1, 5 * 7 + 1, 1)
    a, b = np.random.default_rng(0).uniform(-1, 1, (2, 1, 6, 6, 1)).astype(np.float32)
    save_image_grid(a, str(tmp_path / "a.png"), padding=0)
    save_image_grid(b, str(tmp_path / "b.png"), padding=0)
    out = tmp_path / "morph.png"
    assert _run(["morph", g, str(tmp_path / "a.png"), str(tmp_path / "b.png"), "--steps", "4",
                 "--invert-steps", "20", "--restarts", "2", "--out", str(out)]) == 0
    assert _png_shape(out) == (8, 4 * 7 + 1, 1)
    assert "reconstruction error" in capsys.readouterr().out
