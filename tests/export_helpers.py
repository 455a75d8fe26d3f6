"""Tiny generators and the seed contract, shared by the export and serving tests."""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

LATENT = 8


def tiny_generator(seed: int = 0, dtype=None) -> keras.Model:
    """Dense -> Reshape -> tanh: 8x8x1 images from an 8-d latent; untrained is enough here."""
    init = keras.initializers.GlorotUniform(seed=seed)
    return keras.Sequential([
        keras.Input((LATENT,)),
        keras.layers.Dense(64, kernel_initializer=init, dtype=dtype),
        keras.layers.Reshape((8, 8, 1), dtype=dtype),
        keras.layers.Activation("tanh", dtype=dtype),
    ])


def conditional_generator(num_classes: int = 3) -> keras.Model:
    z = keras.Input((LATENT,))
    label = keras.Input((), dtype="int32")
    emb = keras.layers.Embedding(num_classes, LATENT)(label)
    x = keras.layers.Dense(64, activation="tanh")(keras.layers.Concatenate()([z, emb]))
    return keras.Model([z, label], keras.layers.Reshape((8, 8, 1))(x))


def seeded_latents(seeds) -> np.ndarray:
    """What the seed signature promises: z_i = stateless_normal(seed=[seed_i, 0])."""
    return np.stack([
        tf.random.stateless_normal([LATENT], seed=tf.constant([s, 0], tf.int64)).numpy()
        for s in seeds
    ])
