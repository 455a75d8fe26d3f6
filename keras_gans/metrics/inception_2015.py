"""The 2015-12-05 Inception graph of the FID reference (TTUR), rebuilt from `keras.layers`.

This is the network every published FID is computed with (TTUR, pytorch-fid, clean-fid,
torch-fidelity, NVIDIA's StyleGAN metrics). It is not `keras.applications.InceptionV3`: besides its
own weights it differs in three places that change the numbers:

- each Inception block's pooling branch averages over real pixels only (TF's SAME average pool,
  torch's `count_include_pad=False`);
- the last block (`mixed_10`) max-pools in that branch where the others average;
- the classifier has 1008 outputs, not 1000.

Layer names are the module paths of NVIDIA's TorchScript port (`mixed_9.tower_mixed_conv`), so the
weight conversion (`inception_weights`) maps names one to one. Each convolution is followed by a
batch norm without scale (the TF graph has none) and a ReLU; the converter folds the frozen batch
norm into the convolution's kernel and bias, which is exact algebra and leaves one op per unit.

Input: [N, 299, 299, 3] float, already scaled as the network expects: (uint8 - 128) / 128, i.e. in
[-1, 0.9921875] (`fid_protocol` does the quantization, resize and scaling).
Outputs: 2048-d pool features, and the 1008-way logits when `include_logits`.
"""

from __future__ import annotations

import keras

FEATURE_DIM = 2048
NUM_LOGITS = 1008
INPUT_SIDE = 299


def _unit(x, name, filters, kernel, strides=1, padding=None):
    """Conv + (folded) batch norm + ReLU. Stride-1 units pad symmetrically ("same") unless told."""
    padding = padding or ("same" if strides == 1 else "valid")
    return keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding, activation="relu",
                               name=name)(x)


def _pooling_branch(x, name, pool="avg"):
    """3x3 stride-1 pool; Keras' "same" average pool divides by the real pixels, as TF's does."""
    layer = keras.layers.AveragePooling2D if pool == "avg" else keras.layers.MaxPooling2D
    return layer(3, strides=1, padding="same", name=f"{name}.pool")(x)


def _concat(name, branches):
    return keras.layers.Concatenate(axis=-1, name=name)(branches)


def _block_a(x, name, pool_filters):  # mixed, mixed_1, mixed_2 (torchvision InceptionA)
    one = _unit(x, f"{name}.conv", 64, 1)
    five = _unit(_unit(x, f"{name}.tower.conv", 48, 1), f"{name}.tower.conv_1", 64, 5)
    three = _unit(x, f"{name}.tower_1.conv", 64, 1)
    three = _unit(_unit(three, f"{name}.tower_1.conv_1", 96, 3), f"{name}.tower_1.conv_2", 96, 3)
    pool = _unit(_pooling_branch(x, f"{name}.tower_2"), f"{name}.tower_2.conv", pool_filters, 1)
    return _concat(name, [one, five, three, pool])


def _block_b(x, name):  # mixed_3: grid reduction 35 -> 17
    three = _unit(x, f"{name}.conv", 384, 3, strides=2)
    double = _unit(_unit(x, f"{name}.tower.conv", 64, 1), f"{name}.tower.conv_1", 96, 3)
    double = _unit(double, f"{name}.tower.conv_2", 96, 3, strides=2)
    pool = keras.layers.MaxPooling2D(3, strides=2, name=f"{name}.pool")(x)
    return _concat(name, [three, double, pool])


def _block_c(x, name, width):  # mixed_4 .. mixed_7: factorized 7x7 (torchvision InceptionC)
    one = _unit(x, f"{name}.conv", 192, 1)
    seven = _unit(x, f"{name}.tower.conv", width, 1)
    seven = _unit(_unit(seven, f"{name}.tower.conv_1", width, (1, 7)), f"{name}.tower.conv_2", 192, (7, 1))
    double = _unit(x, f"{name}.tower_1.conv", width, 1)
    for index, kernel in enumerate(((7, 1), (1, 7), (7, 1)), start=1):
        double = _unit(double, f"{name}.tower_1.conv_{index}", width, kernel)
    double = _unit(double, f"{name}.tower_1.conv_4", 192, (1, 7))
    pool = _unit(_pooling_branch(x, f"{name}.tower_2"), f"{name}.tower_2.conv", 192, 1)
    return _concat(name, [one, seven, double, pool])


def _block_d(x, name):  # mixed_8: grid reduction 17 -> 8
    three = _unit(_unit(x, f"{name}.tower.conv", 192, 1), f"{name}.tower.conv_1", 320, 3, strides=2)
    seven = _unit(x, f"{name}.tower_1.conv", 192, 1)
    seven = _unit(_unit(seven, f"{name}.tower_1.conv_1", 192, (1, 7)), f"{name}.tower_1.conv_2", 192, (7, 1))
    seven = _unit(seven, f"{name}.tower_1.conv_3", 192, 3, strides=2)
    pool = keras.layers.MaxPooling2D(3, strides=2, name=f"{name}.pool")(x)
    return _concat(name, [three, seven, pool])


def _block_e(x, name, pool):  # mixed_9 (average pool), mixed_10 (max pool): expanded filter bank
    one = _unit(x, f"{name}.conv", 320, 1)
    split = _unit(x, f"{name}.tower_conv", 384, 1)
    double = _unit(_unit(x, f"{name}.tower_1_conv", 448, 1), f"{name}.tower_1_conv_1", 384, 3)
    branches = [
        one,
        _unit(split, f"{name}.tower_mixed_conv", 384, (1, 3)),
        _unit(split, f"{name}.tower_mixed_conv_1", 384, (3, 1)),
        _unit(double, f"{name}.tower_1_mixed_conv", 384, (1, 3)),
        _unit(double, f"{name}.tower_1_mixed_conv_1", 384, (3, 1)),
        _unit(_pooling_branch(x, f"{name}.tower_2", pool), f"{name}.tower_2_conv", 192, 1),
    ]
    return _concat(name, branches)


def build_inception_2015(include_logits: bool = False) -> keras.Model:
    """The reference network, untrained; `inception_weights.load_inception_2015` fills it.

    Args:
        include_logits: add the 1008-way classifier (Inception Score); only pytorch-fid's `.pth`
            carries its weights, NVIDIA's TorchScript stops at the pool features.
    Returns:
        keras.Model [N, 299, 299, 3] -> features [N, 2048] (and logits [N, 1008]).
    """
    images = keras.Input((INPUT_SIDE, INPUT_SIDE, 3), name="scaled_images")
    x = _unit(images, "conv", 32, 3, strides=2)
    x = _unit(x, "conv_1", 32, 3, padding="valid")
    x = _unit(x, "conv_2", 64, 3)
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool0")(x)
    x = _unit(x, "conv_3", 80, 1)
    x = _unit(x, "conv_4", 192, 3, padding="valid")
    x = keras.layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    for name, pool_filters in (("mixed", 32), ("mixed_1", 64), ("mixed_2", 64)):
        x = _block_a(x, name, pool_filters)
    x = _block_b(x, "mixed_3")
    for name, width in (("mixed_4", 128), ("mixed_5", 160), ("mixed_6", 160), ("mixed_7", 192)):
        x = _block_c(x, name, width)
    x = _block_d(x, "mixed_8")
    x = _block_e(x, "mixed_9", "avg")
    x = _block_e(x, "mixed_10", "max")
    # The reference's 8x8 average pool covers the whole 8x8 map at 299x299: a global average.
    features = keras.layers.GlobalAveragePooling2D(name="pool2")(x)
    outputs = [features]
    if include_logits:
        outputs.append(keras.layers.Dense(NUM_LOGITS, name="logits")(features))
    return keras.Model(images, outputs, name="inception_2015_12_05")
