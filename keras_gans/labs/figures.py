"""Regenerates the pictures of docs/diagnosing.md: `python -m keras_gans.labs.figures docs/images`.

The interpolation and morphing pictures need a generator of garments that is cheap to build
and the same on every machine, so they use a stand-in: a 16-latent linear-tanh generator whose
weights are the principal components of 2000 Fashion-MNIST training images (a "PCA
generator"). A trained GAN's pictures come from `keras-gans interpolate/morph RUN_DIR`.
"""

from __future__ import annotations

import gzip
import os
import sys

import numpy as np

FASHION_DIR = os.environ.get("KERAS_GANS_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def fashion_images(split="train", count=2000) -> np.ndarray:
    """The first `count` images of a Fashion-MNIST IDX file, [count, 28, 28, 1] in [-1, 1]."""
    prefix = "train" if split == "train" else "t10k"
    with gzip.open(os.path.join(FASHION_DIR, f"{prefix}-images-idx3-ubyte.gz"), "rb") as f:
        raw = f.read(16 + count * 784)
    return np.frombuffer(raw, np.uint8, offset=16).reshape(count, 28, 28, 1).astype(np.float32) / 127.5 - 1


def pca_generator(latent_dim=16, count=2000):
    """z [N, latent_dim] -> garments; z ~ N(0, 1) matches the data's spread along each component."""
    import keras

    pre = np.arctanh(np.clip(fashion_images("train", count).reshape(count, -1), -0.95, 0.95))
    mean = pre.mean(axis=0)
    _, s, vt = np.linalg.svd(pre - mean, full_matrices=False)
    z = keras.Input((latent_dim,))
    dense = keras.layers.Dense(784, activation="tanh")
    model = keras.Model(z, keras.layers.Reshape((28, 28, 1))(dense(z)))
    dense.set_weights([(vt[:latent_dim] * (s[:latent_dim, None] / np.sqrt(count))).astype(np.float32),
                       mean.astype(np.float32)])
    model.latent_dim = latent_dim
    return model


def main(out="docs/images") -> list:
    from keras_gans.images import save_image_grid
    from keras_gans.labs import dirac, modes
    from keras_gans.labs.inversion import morph
    from keras_gans.labs.latent import interpolation_grid

    os.makedirs(out, exist_ok=True)
    written = [dirac.plot_trajectories(path=os.path.join(out, "dirac.png"))]
    g = pca_generator()
    written.append(save_image_grid(interpolation_grid(g, rows=4, steps=10, seed=0),
                                   os.path.join(out, "interpolation.png"), rows=4))
    test = fashion_images("test", 20)
    pairs = [(0, 1), (2, 3), (5, 9)]  # ankle boot -> pullover, trouser -> trouser, trouser -> sneaker
    strips = []
    for a, b in pairs:
        frames, _ = morph(g, test[a], test[b], steps=8, seed=0)
        strips.append(np.concatenate([test[a][None], frames, test[b][None]]))
    written.append(save_image_grid(np.concatenate(strips), os.path.join(out, "morph.png"), rows=len(pairs)))
    runs = modes.run_lab(("gan", "wgan_gp", "r1"), "ring", steps=2000, snapshots=4, lr=1e-3, seed=0)
    print(modes.format_report(runs))
    written.append(modes.plot_lab(runs, "ring", os.path.join(out, "modes_ring.png")))
    return written


if __name__ == "__main__":
    for path in main(*sys.argv[1:]):
        print(path)
