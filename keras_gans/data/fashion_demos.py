"""Offline image-to-image demos built from the real Fashion-MNIST files.

- `fashion_mnist_edges`: Sobel edge maps -> garments, paired (pix2pix's edges2shoes in miniature).
- `fashion_mnist_sneaker_boot`: sneakers (class 7) <-> ankle boots (class 9), unpaired (CycleGAN's
  horse2zebra in miniature: same layout, different shape details).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from keras_gans.data import idx
from keras_gans.data.arrays import load_arrays
from keras_gans.data.image_pairs import ImagePairDataset, load_paired_arrays, zip_domains
from keras_gans.errors import DataError

FASHION_MNIST_DIRECTORIES = ("/usr/share/datasets/fashion-mnist",)
SNEAKER, ANKLE_BOOT = 7, 9


def fashion_mnist_split(split: str):
    """`(images uint8 [N, 28, 28], labels [N])` of the local Fashion-MNIST IDX files."""
    from keras_gans.data.registry import DATASETS

    directory = DATASETS["fashion_mnist"].idx_directory(split)
    if directory is None:
        raise DataError(
            "The Fashion-MNIST demos need the IDX files (searched "
            f"{', '.join(FASHION_MNIST_DIRECTORIES)} and $KERAS_GANS_FASHION_MNIST_DIR)."
        )
    return idx.read_split(directory, split)


def sobel_edges(images: np.ndarray) -> np.ndarray:
    """uint8 `[N, H, W]` -> uint8 edge maps: Sobel gradient magnitude, each image scaled to 0..255.

    Scaling per image keeps faint garments' outlines as visible as bold ones, so the edge map
    carries shape only, and the generator must supply the shading.
    """
    pixels = images.astype(np.float32)
    # Explicit [1, 3, 3] kernels: ndimage.sobel would also smooth across the batch axis, mixing
    # neighbouring garments into each edge map.
    kernel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.float32)[None]
    gx = ndimage.correlate(pixels, kernel, mode="nearest")
    gy = ndimage.correlate(pixels, np.transpose(kernel, (0, 2, 1)), mode="nearest")
    magnitude = np.hypot(gx, gy)
    peak = magnitude.max(axis=(1, 2), keepdims=True)
    return np.round(255.0 * magnitude / np.maximum(peak, 1e-6)).astype(np.uint8)


@functools.lru_cache(maxsize=2)
def edge_pairs(split: str):
    images, _ = fashion_mnist_split(split)
    return sobel_edges(images)[..., None], images[..., None]


@dataclass(frozen=True)
class FashionEdgesSpec:
    """Registry entry: Sobel edge maps of Fashion-MNIST garments, paired with the garments."""

    name: str = "fashion_mnist_edges"
    description: str = "Fashion-MNIST Sobel edge maps -> garments, paired 28x28 (pix2pix demo, offline)"
    image_shape: tuple = (28, 28, 1)
    num_classes: None = None

    def load(self, *, split, image_size, **options) -> ImagePairDataset:
        edges, garments = edge_pairs(split)
        return load_paired_arrays(edges, garments, name=self.name, image_size=image_size, **options)


@dataclass(frozen=True)
class FashionDomainsSpec:
    """Registry entry: two Fashion-MNIST classes as the unpaired domains A and B."""

    name: str = "fashion_mnist_sneaker_boot"
    description: str = "Fashion-MNIST sneakers <-> ankle boots, unpaired 28x28 (CycleGAN demo, offline)"
    image_shape: tuple = (28, 28, 1)
    num_classes: None = None
    class_a: int = SNEAKER
    class_b: int = ANKLE_BOOT

    def load(self, *, split, image_size, seed=None, **options) -> ImagePairDataset:
        images, labels = fashion_mnist_split(split)
        a = load_arrays(images[labels == self.class_a], name=f"{self.name}/A", image_size=image_size,
                        seed=seed, **options)
        b = load_arrays(images[labels == self.class_b], name=f"{self.name}/B", image_size=image_size,
                        seed=None if seed is None else seed + 1, **options)
        return zip_domains(a, b, self.name)


# Image-to-image sets known by name: the same `load` interface as `DATASETS`, yielding (a, b) batches.
PAIR_DATASETS = {spec.name: spec for spec in (FashionEdgesSpec(), FashionDomainsSpec())}
