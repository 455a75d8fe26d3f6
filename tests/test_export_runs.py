"""`keras_gans.export` from training runs: each kind of recipe exports what serving needs."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gans
from keras_gans.exporting import read_provenance

QUIET = {"tensorboard": False, "sample_every": 0, "verbose": 0, "checkpoint_every": 2}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Tiny trained runs of an unconditional, a conditional and two image-to-image recipes."""
    base = tmp_path_factory.mktemp("runs")
    tiny = {"batch_size": 8, "generator_width": 8, "discriminator_width": 8, "latent_dim": 16}
    done = {}
    for recipe in ("r1", "cgan", "pix2pix", "cyclegan"):
        done[recipe] = keras_gans.fit(recipe, steps=2, seed=0, run_dir=base / recipe, **QUIET, **tiny)
    return done


def test_unconditional_run_exports_the_ema_generator(runs, tmp_path):
    result = runs["r1"]
    path = keras_gans.export(result.run_dir, name="r1", base=tmp_path)
    assert path == tmp_path / "r1" / "1"
    provenance = read_provenance(path)
    assert (provenance["recipe"], provenance["dataset"], provenance["step"], provenance["ema"]) == ("r1", "fashion_mnist", 2, True)
    z = np.random.default_rng(0).normal(size=(3, 16)).astype("float32")
    exported = tf.saved_model.load(str(path)).signatures["serving_default"](z=tf.constant(z))["images"]
    # The EMA generator, not the raw one, is what the run serves.
    expected = keras.ops.convert_to_numpy(result.model.ema_generator(z, training=False))
    np.testing.assert_allclose(exported.numpy(), expected, atol=1e-5)
    raw = keras.ops.convert_to_numpy(result.model.generator(z, training=False))
    assert not np.allclose(exported.numpy(), raw, atol=1e-5)


def test_conditional_run_exports_label_inputs(runs, tmp_path):
    result = runs["cgan"]
    path = keras_gans.export(result.run_dir, name="cgan", base=tmp_path)
    assert read_provenance(path)["num_classes"] == 10
    signatures = tf.saved_model.load(str(path)).signatures
    z = np.random.default_rng(1).normal(size=(4, 16)).astype("float32")
    labels = np.array([0, 3, 7, 9])
    images = signatures["serving_default"](z=tf.constant(z), label=tf.constant(labels, tf.int64))["images"]
    expected = result.model.sampler([z, labels.astype("int32")], training=False)
    np.testing.assert_allclose(images.numpy(), keras.ops.convert_to_numpy(expected), atol=1e-5)
    seeded = signatures["generate_from_seed"](seed=tf.constant([5, 5], tf.int64), label=tf.constant([1, 1], tf.int64))
    np.testing.assert_array_equal(seeded["images_uint8"][0].numpy(), seeded["images_uint8"][1].numpy())


@pytest.mark.parametrize("recipe, direction", [("pix2pix", "a_to_b"), ("cyclegan", "a_to_b"), ("cyclegan", "b_to_a")])
def test_image_to_image_run_exports_an_image_signature(runs, recipe, direction, tmp_path):
    result = runs[recipe]
    path = keras_gans.export(result.run_dir, name=recipe, base=tmp_path, direction=direction)
    signature = tf.saved_model.load(str(path)).signatures["serving_default"]
    (input_name, spec), = signature.structured_input_signature[1].items()
    assert input_name == "image" and spec.shape[0] is None
    source = np.random.default_rng(2).uniform(-1, 1, size=(2, *spec.shape[1:])).astype("float32")
    outputs = signature(image=tf.constant(source))
    generator = result.model.sampler
    if recipe == "cyclegan":
        generator = getattr(generator, direction)
    np.testing.assert_allclose(outputs["images"].numpy(),
                               keras.ops.convert_to_numpy(generator(source, training=False)), atol=1e-5)
    assert outputs["images_png_bytes"].shape == (2,)
    assert outputs["images_png_bytes"].numpy()[0].startswith(b"\x89PNG")
    assert json.loads((path / "assets.extra" / "provenance.json").read_text())["source_shape"] == list(spec.shape[1:])


def test_unknown_cyclegan_direction_is_a_clear_error(runs, tmp_path):
    with pytest.raises(keras_gans.ConfigError, match="a_to_b, b_to_a"):
        keras_gans.export(runs["cyclegan"].run_dir, name="c", base=tmp_path, direction="sideways")


def test_load_and_evaluate_a_run(runs):
    generator = keras_gans.load(runs["r1"].run_dir)
    assert generator is not None
    images = generator(keras.random.normal((2, 16)), training=False)
    assert tuple(images.shape) == (2, 28, 28, 1)


def test_a_trained_run_served_over_rest_matches_keras(runs, tmp_path):
    from keras_gans.serving import Client
    from keras_gans.serving.server import LocalServer

    result = runs["cgan"]
    keras_gans.export(result.run_dir, name="cgan", base=tmp_path)
    z = np.random.default_rng(3).normal(size=(2, 16)).astype("float32")
    labels = np.array([2, 8])
    expected = keras.ops.convert_to_numpy(result.model.sampler([z, labels.astype("int32")], training=False))
    with LocalServer(tmp_path, port=0) as server:
        client = Client(server.url, "cgan")
        for format in ("row", "columnar"):
            np.testing.assert_allclose(client.predict(z, label=labels, format=format), expected, atol=1e-5)
            seeded = client.generate_from_seed([4, 4], label=[1, 1], format=format)
            np.testing.assert_array_equal(seeded["images"][0], seeded["images"][1])
            decoded = tf.io.decode_png(seeded["png"][0]).numpy()
            np.testing.assert_array_equal(decoded, seeded["images"][0])
