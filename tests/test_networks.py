"""Every network and GAN layer: output shapes, get_config round-trips, saving, and the layers' math."""

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras is imported)
from keras_gans.errors import ConfigError
from keras_gans.layers import MinibatchDiscrimination, SelfAttention
from keras_gans.networks import (
    CycleGenerators,
    DCGANDiscriminator,
    DCGANGenerator,
    DomainDiscriminators,
    MLPDiscriminator,
    MLPGenerator,
    PatchGANDiscriminator,
    ResNetGenerator,
    UNetGenerator,
)

import keras  # noqa: E402

RNG = np.random.default_rng(0)
LABELS = np.array([0, 3, 9], dtype="int32")


def images(shape=(28, 28, 1), batch=3):
    return RNG.uniform(-1, 1, (batch, *shape)).astype("float32")


def latents(dim, batch=3):
    return RNG.standard_normal((batch, dim)).astype("float32")


# name -> (network factory, inputs, expected output shape or {key: shape})
CASES = {
    "mlp_generator": (lambda: MLPGenerator(8, (28, 28, 1), units=(16,)), latents(8), (3, 28, 28, 1)),
    "mlp_generator_batchnorm": (lambda: MLPGenerator(8, (28, 28, 1), units=(16, 16), norm="batch"), latents(8),
                                (3, 28, 28, 1)),
    "mlp_generator_layernorm": (lambda: MLPGenerator(8, (28, 28, 1), units=(16,), norm="layer"), latents(8),
                                (3, 28, 28, 1)),
    "mlp_generator_toy": (lambda: MLPGenerator(4, (2,), units=(8,), output_activation=None), latents(4), (3, 2)),
    "mlp_discriminator": (lambda: MLPDiscriminator(units=(16,), spectral_norm=True), images(), (3, 1)),
    "mlp_discriminator_maxout": (lambda: MLPDiscriminator(units=(16, 8), maxout_pieces=5), images(), (3, 1)),
    "dcgan_generator_28": (lambda: DCGANGenerator(8, (28, 28, 1), width=8), latents(8), (3, 28, 28, 1)),
    "dcgan_generator_64": (lambda: DCGANGenerator(8, (64, 64, 3), width=4, norm="layer"), latents(8), (3, 64, 64, 3)),
    "dcgan_generator_conditional": (
        lambda: DCGANGenerator(8, (28, 28, 1), width=8, num_classes=10), [latents(8), LABELS], (3, 28, 28, 1)),
    "sagan_generator_32": (
        lambda: DCGANGenerator(8, (32, 32, 3), width=8, spectral_norm=True, attention_resolution=16),
        latents(8), (3, 32, 32, 3)),
    "dcgan_discriminator": (lambda: DCGANDiscriminator((28, 28, 1), width=8), images(), (3, 1)),
    "projection_discriminator": (
        lambda: DCGANDiscriminator((28, 28, 1), width=8, norm="none", spectral_norm=True, num_classes=10,
                                   class_head="projection"),
        [images(), LABELS], (3, 1)),
    "acgan_infogan_discriminator": (
        lambda: DCGANDiscriminator((28, 28, 1), width=8, num_classes=10, class_head="auxiliary", code_outputs=12,
                                   minibatch_kernels=4, return_features=True),
        images(), {"logits": (3, 1), "class_logits": (3, 10), "codes": (3, 12), "features": (3, 16 * 7 * 7 + 4)}),
    "sagan_discriminator_64": (
        lambda: DCGANDiscriminator((64, 64, 3), width=4, norm="none", spectral_norm=True, attention_resolution=32),
        images((64, 64, 3)), (3, 1)),
    "unet_32": (lambda: UNetGenerator((32, 32, 3), source_channels=1, width=4), images((32, 32, 1)), (3, 32, 32, 3)),
    "unet_28": (lambda: UNetGenerator((28, 28, 1), width=4, norm="instance"), images(), (3, 28, 28, 1)),
    "patchgan": (lambda: PatchGANDiscriminator(width=4, strided_layers=2), images((32, 32, 2)), (3, 8, 8, 1)),
    "patchgan_features": (
        lambda: PatchGANDiscriminator(width=4, strided_layers=3, norm="instance", return_features=True),
        images((32, 32, 3)), {"logits": (3, 4, 4, 1), "features": (3, 4, 4, 32)}),
    "resnet_generator": (lambda: ResNetGenerator((28, 28, 1), width=4, blocks=2), images(), (3, 28, 28, 1)),
    "cycle_generators": (
        lambda: CycleGenerators(ResNetGenerator((28, 28, 3), 1, width=4, blocks=1),
                                ResNetGenerator((28, 28, 1), 3, width=4, blocks=1)),
        (images((28, 28, 1)), images((28, 28, 3))), ((3, 28, 28, 1), (3, 28, 28, 3))),
    "domain_discriminators": (
        lambda: DomainDiscriminators(PatchGANDiscriminator(width=4, strided_layers=2),
                                     PatchGANDiscriminator(width=4, strided_layers=2)),
        (images(), images()), (6, 7, 7, 1)),
}


def shapes(outputs):
    if isinstance(outputs, dict):
        return {key: tuple(value.shape) for key, value in outputs.items()}
    if isinstance(outputs, (tuple, list)):
        return tuple(tuple(o.shape) for o in outputs)
    return tuple(outputs.shape)


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_shapes(name):
    build, inputs, expected = CASES[name]
    assert shapes(build()(inputs)) == expected


@pytest.mark.parametrize("name", sorted(CASES))
def test_get_config_round_trip_rebuilds_the_same_function(name):
    build, inputs, _ = CASES[name]
    network = build()
    outputs = network(inputs, training=False)
    clone = type(network).from_config(network.get_config())
    clone(inputs, training=False)
    assert clone.get_config() == network.get_config()
    clone.set_weights(network.get_weights())
    for expected, got in zip(keras.tree.flatten(outputs), keras.tree.flatten(clone(inputs, training=False))):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["dcgan_generator_conditional", "cycle_generators", "acgan_infogan_discriminator"])
def test_saved_network_reloads_with_its_weights(name, tmp_path):
    build, inputs, _ = CASES[name]
    network = build()
    outputs = network(inputs, training=False)
    path = str(tmp_path / "network.keras")
    network.save(path)
    loaded = keras.saving.load_model(path)
    for expected, got in zip(keras.tree.flatten(outputs), keras.tree.flatten(loaded(inputs, training=False))):
        np.testing.assert_allclose(np.asarray(got), np.asarray(expected), rtol=1e-5, atol=1e-5)


def test_mlp_generator_batch_norm_normalizes_hidden_units_over_the_batch():
    # A batch of one repeated latent has zero variance: batch norm maps every hidden unit to its
    # offset (0 at initialization), so relu leaves zeros and the output is tanh(bias) = 0.
    same = np.repeat(latents(8, batch=1), 4, axis=0)
    normalized = MLPGenerator(8, (28, 28, 1), units=(16, 16), norm="batch")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(normalized(same, training=True)), 0.0, atol=1e-6)
    plain = MLPGenerator(8, (28, 28, 1), units=(16, 16))
    assert np.abs(keras.ops.convert_to_numpy(plain(same, training=True))).max() > 1e-3


def test_mlp_generator_rejects_normalizations_of_feature_maps():
    with pytest.raises(ConfigError, match="Unknown MLP normalization .instance.*Valid choices: batch, layer, none"):
        MLPGenerator(8, (28, 28, 1), units=(16,), norm="instance")


def test_maxout_unit_is_the_largest_of_its_linear_pieces():
    # Two units of three pieces on 2-d inputs; the head weighs unit 0 by 1 and unit 1 by 10, so
    # the logit shows which piece won in each unit.
    kernel = np.array([[1.0, -1.0, 0.5, 2.0, 0.0, -3.0],
                       [0.0, 1.0, 0.5, -1.0, 1.0, 0.0]], dtype="float32")
    points = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]], dtype="float32")
    discriminator = MLPDiscriminator(units=(2,), dropout=0.0, maxout_pieces=3)
    discriminator(points)
    discriminator.hidden[0].set_weights([kernel, np.zeros(6, "float32")])
    discriminator.head.set_weights([np.array([[1.0], [10.0]], "float32"), np.zeros(1, "float32")])
    # (1, 0): pieces (1, -1, .5) -> 1 and (2, 0, -3) -> 2; (0, 1): (0, 1, .5) -> 1, (-1, 1, 0) -> 1;
    # (-1, -1): (-1, 0, -1) -> 0, (-1, -1, 3) -> 3.
    expected = np.array([[1 + 10 * 2], [1 + 10 * 1], [0 + 10 * 3]], dtype="float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(discriminator(points)), expected, atol=1e-6)


def test_maxout_needs_at_least_one_piece():
    with pytest.raises(ConfigError, match="maxout_pieces must be >= 1"):
        MLPDiscriminator(units=(4,), maxout_pieces=0)


def test_projection_discriminator_score_depends_on_the_label():
    network = CASES["projection_discriminator"][0]()
    x = images()
    same = network([x, np.zeros(3, "int32")])
    other = network([x, np.full(3, 5, "int32")])
    assert not np.allclose(np.asarray(same), np.asarray(other))


def test_projection_head_is_linear_logit_plus_embedding_inner_product():
    """Miyato & Koyama 2018, eq. 3: f(x, y) = psi(phi(x)) + <V y, phi(x)>, psi linear."""
    from keras_gans.networks.heads import DiscriminatorHeads

    head = DiscriminatorHeads(num_classes=4, class_head="projection")
    rng = np.random.default_rng(0)
    features = rng.normal(size=(5, 6)).astype("float32")
    labels = np.array([0, 3, 1, 3, 2], "int32")
    logits = np.asarray(head(features, labels))
    kernel, bias = (np.asarray(w) for w in head.adversarial.weights)
    embeddings = np.asarray(head.embedding.embeddings)
    expected = features @ kernel + bias + (embeddings[labels] * features).sum(axis=1, keepdims=True)
    assert logits.shape == (5, 1)
    np.testing.assert_allclose(logits, expected, rtol=1e-5, atol=1e-6)
    # The embedding term is not negligible at init, so a head that dropped it would fail above.
    assert np.abs((embeddings[labels] * features).sum(axis=1)).max() > 1e-3


def test_conditional_generator_output_depends_on_the_label():
    network = CASES["dcgan_generator_conditional"][0]()
    z = latents(8)
    a, b = network([z, np.zeros(3, "int32")]), network([z, np.full(3, 7, "int32")])
    assert not np.allclose(np.asarray(a), np.asarray(b))


def test_attention_resolution_that_no_feature_map_has_is_rejected():
    with pytest.raises(ConfigError, match="attention_resolution=12"):
        DCGANGenerator(8, (32, 32, 1), attention_resolution=12)
    with pytest.raises(ConfigError, match="attention_resolution=32"):
        DCGANDiscriminator((32, 32, 1), attention_resolution=32)


def test_unet_rejects_sides_it_cannot_halve():
    with pytest.raises(ConfigError, match="divisible by 4"):
        UNetGenerator((30, 30, 1))


def test_self_attention_starts_as_identity_and_mixes_positions_once_gamma_moves():
    layer = SelfAttention(spectral_norm=False)
    x = images((4, 4, 16), batch=2)
    np.testing.assert_allclose(np.asarray(layer(x)), x, atol=1e-6)  # gamma = 0 at initialization
    layer.gamma.assign(1.0)
    changed = x.copy()
    changed[:, 0, 0] += 1.0  # one corner only
    delta = np.asarray(layer(changed)) - np.asarray(layer(x))
    # The far corner moved too: attention carries information across the whole map.
    assert np.abs(delta[:, 3, 3]).max() > 1e-4
    assert SelfAttention.from_config(layer.get_config()).get_config() == layer.get_config()


def test_minibatch_discrimination_counts_near_duplicates():
    keras.utils.set_random_seed(0)  # the kernel's draw, not the suite's order, decides the spread
    layer = MinibatchDiscrimination(num_kernels=3, kernel_dim=2)
    identical = np.repeat(latents(6, batch=1), 4, axis=0)
    out = np.asarray(layer(identical))
    # exp(-0) for each of the 3 other identical examples.
    np.testing.assert_allclose(out[:, 6:], 3.0, rtol=1e-5)
    layer.kernel.assign(np.asarray(layer.kernel) * 1000.0)  # make distinct examples far apart
    spread = np.asarray(layer(latents(6, batch=4)))
    assert spread[:, 6:].max() < 0.5
    assert out.shape == (4, 9)
