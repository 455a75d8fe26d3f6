"""Spectral normalization: the effective kernel, its gradient through sigma, state and saving."""

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras is imported)
from keras_gans.backend import loss_gradients
from keras_gans.errors import ConfigError
from keras_gans.layers import SpectralNormalization

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402  (only to check graph mode)

LAYERS = {
    "dense": (lambda: keras.layers.Dense(6), (3, 10)),
    "conv2d": (lambda: keras.layers.Conv2D(8, 3), (2, 6, 6, 3)),
    "conv2d_transpose": (lambda: keras.layers.Conv2DTranspose(4, 3, strides=2), (2, 5, 5, 3)),
    "embedding": (lambda: keras.layers.Embedding(12, 5), None),
}


def make(kind, power_iterations=1, kernel_scale=3.0):
    keras.utils.set_random_seed(0)
    build, shape = LAYERS[kind]
    wrapper = SpectralNormalization(build(), power_iterations=power_iterations)
    inputs = np.array([0, 3, 11]) if shape is None else np.random.normal(size=shape).astype("f4")
    wrapper(inputs)
    raw = wrapper.layer.embeddings if kind == "embedding" else wrapper.layer.kernel
    # Scaled so that the raw kernel's spectral norm is clearly not 1.
    raw.assign(raw.numpy() * kernel_scale)
    return wrapper, inputs


def raw_kernel(wrapper):
    layer = wrapper.layer
    return (layer.embeddings if isinstance(layer, keras.layers.Embedding) else layer.kernel).numpy()


def numpy_sigma(wrapper):
    """sigma = v^T W u with v = W u / ||W u||, i.e. ||W u||, from the stored u."""
    kernel = raw_kernel(wrapper)
    matrix = kernel.reshape(-1, kernel.shape[-1]).astype("float64")
    u = wrapper.u.numpy()[0].astype("float64")
    u /= np.linalg.norm(u)
    return np.linalg.norm(matrix @ u), matrix, u


@pytest.mark.parametrize("kind", list(LAYERS))
def test_forward_pass_uses_kernel_divided_by_sigma(kind):
    wrapper, inputs = make(kind)
    wrapper(inputs, training=True)
    sigma, _, _ = numpy_sigma(wrapper)

    reference = type(wrapper.layer).from_config(wrapper.layer.get_config())
    reference(inputs)
    weights = wrapper.layer.get_weights()
    weights[0] = weights[0] / sigma
    reference.set_weights(weights)
    np.testing.assert_allclose(
        np.asarray(wrapper(inputs)), np.asarray(reference(inputs)), rtol=1e-4, atol=1e-5
    )


def impulse_responses(wrapper, kind):
    """The kernel the forward pass actually uses, recovered as a [-1, out] matrix."""
    if kind == "dense":
        return np.asarray(wrapper(np.eye(10, dtype="float32"))) - wrapper.layer.bias.numpy()
    # A 3x3 valid convolution of a one-hot 3x3xC image returns one kernel row.
    impulses = np.eye(27, dtype="float32").reshape(27, 3, 3, 3)
    return np.asarray(wrapper(impulses))[:, 0, 0, :] - wrapper.layer.bias.numpy()


@pytest.mark.parametrize("kind", ["dense", "conv2d"])
def test_largest_singular_value_of_effective_kernel_becomes_one(kind):
    wrapper, inputs = make(kind)
    raw_before = raw_kernel(wrapper).copy()
    raw_sigma = np.linalg.svd(raw_before.reshape(-1, raw_before.shape[-1]), compute_uv=False)[0]
    assert raw_sigma > 2.0

    train_call = tf.function(lambda x: wrapper(x, training=True))
    for _ in range(50):
        train_call(inputs)

    effective = impulse_responses(wrapper, kind)
    sigma = numpy_sigma(wrapper)[0]
    np.testing.assert_allclose(
        effective, raw_before.reshape(effective.shape) / sigma, rtol=1e-4, atol=1e-6
    )
    assert np.linalg.svd(effective, compute_uv=False)[0] == pytest.approx(1.0, abs=0.05)
    # Unlike keras.layers.SpectralNormalization, the trained raw kernel is never overwritten.
    np.testing.assert_array_equal(raw_kernel(wrapper), raw_before)


def test_gradient_flows_through_sigma():
    wrapper, _ = make("dense")
    wrapper.layer.use_bias = False
    x = np.random.default_rng(1).normal(size=(4, 10)).astype("float32")
    c = np.random.default_rng(2).normal(size=(4, 6)).astype("float32")
    kernel = wrapper.layer.kernel

    loss, _, (grad,) = loss_gradients(lambda: (keras.ops.sum(wrapper(x) * c), None), [kernel])
    sigma, matrix, u = numpy_sigma(wrapper)
    v = matrix @ u / sigma

    # L = <c, x W / sigma> with sigma = v^T W u, u and v held constant:
    # dL/dW = G / sigma - <G, W> / sigma^2 * v u^T, where G = x^T c.
    g = x.T.astype("float64") @ c
    constant_sigma = g / sigma
    expected = constant_sigma - np.sum(g * matrix) / sigma**2 * np.outer(v, u)
    assert np.all(np.isfinite(grad.numpy()))
    np.testing.assert_allclose(grad.numpy(), expected, rtol=1e-4, atol=1e-5)
    assert np.abs(grad.numpy() - constant_sigma).max() > 1e-2


def test_u_changes_only_in_training_calls_and_inside_tf_function():
    wrapper, inputs = make("conv2d")
    u0 = wrapper.u.numpy().copy()
    wrapper(inputs)
    wrapper(inputs, training=False)
    np.testing.assert_array_equal(wrapper.u.numpy(), u0)

    @tf.function
    def train_step(x):
        return loss_gradients(
            lambda: (keras.ops.mean(wrapper(x, training=True)), None), wrapper.trainable_variables
        )

    _, _, grads = train_step(inputs)
    assert not np.allclose(wrapper.u.numpy(), u0)
    assert all(np.all(np.isfinite(g.numpy())) for g in grads)
    assert [v.name for v in wrapper.trainable_variables] == ["kernel", "bias"]
    assert [v.name for v in wrapper.non_trainable_variables] == ["u"]


def test_config_round_trip_and_saving(tmp_path):
    wrapper, inputs = make("conv2d", power_iterations=2)
    config = wrapper.get_config()
    assert config["power_iterations"] == 2
    clone = SpectralNormalization.from_config(config)
    clone_config = clone.get_config()
    assert clone_config["layer"]["config"] == config["layer"]["config"]
    assert {k: v for k, v in clone_config.items() if k != "layer"} == {
        k: v for k, v in config.items() if k != "layer"
    }
    assert isinstance(clone.layer, keras.layers.Conv2D)

    restored = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(wrapper))
    assert type(restored) is SpectralNormalization

    model = keras.Sequential([keras.Input(inputs.shape[1:]), wrapper])
    model(inputs, training=True)
    path = str(tmp_path / "sn.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded(inputs)), np.asarray(model(inputs)), rtol=1e-5)
    np.testing.assert_array_equal(loaded.layers[0].u.numpy(), wrapper.u.numpy())


def test_invalid_arguments():
    with pytest.raises(ConfigError):
        SpectralNormalization(keras.layers.Dense(2), power_iterations=0)
    with pytest.raises(ConfigError, match="kernel"):
        SpectralNormalization(keras.layers.LayerNormalization())(np.zeros((1, 3), "float32"))
