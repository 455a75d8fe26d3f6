"""Datasets known by name, and how each is loaded."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from keras_gans.data import idx
from keras_gans.data.arrays import load_arrays
from keras_gans.data.image_dataset import ImageDataset
from keras_gans.errors import DataError

# Center crop for 178x218 CelebA before resizing to 64x64. Codebases differ: carpedm20's
# DCGAN-tensorflow crops 108x108 (tight on the face), soumith's dcgan.torch and the StyleGAN-style
# crop take 128x128, and the WAE/RAE line of work and many PyTorch GANs take CenterCrop(140).
# 140 keeps the whole face with chin and hairline and drops most background, so faces fill the
# 64x64 frame the DCGAN-family networks were designed for. (WGAN-GP's reference code has no CelebA
# pipeline of its own, so there is nothing to match there.)
CELEB_A_CROP = 140


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset known by name.

    Args:
        name: the name users pass to `load_dataset` / `fit`.
        description: one line for listings.
        image_shape: (H, W, C) yielded when no `image_size` is given.
        num_classes: classes of its 'label', or `None` when unlabeled.
        tfds_name: the tensorflow-datasets name it loads from (the fallback for IDX datasets).
        idx_env_var: environment variable naming a folder of IDX files; when set it must be valid.
        idx_directories: folders searched for IDX files before falling back to tfds.
        center_crop: side of the central square cut before resizing.
    """

    name: str
    description: str
    image_shape: tuple
    num_classes: int | None
    tfds_name: str
    idx_env_var: str | None = None
    idx_directories: tuple = ()
    center_crop: int | None = None

    def idx_directory(self, split: str) -> Path | None:
        """The folder to read IDX files from, or `None` to use tensorflow-datasets."""
        if self.idx_env_var and os.environ.get(self.idx_env_var):
            directory = Path(os.environ[self.idx_env_var]).expanduser()
            if not directory.is_dir():
                raise DataError(
                    f"{self.idx_env_var}={directory} is not a folder; it must name a folder with "
                    f"the {self.name} IDX files (train-images-idx3-ubyte.gz, ...)."
                )
            idx.split_files(directory, split)  # a folder the user named must be complete
            return directory
        for directory in map(Path, self.idx_directories):
            if idx.has_split_files(directory, split):
                return directory
        return None

    def load(self, *, split, image_size, **options) -> ImageDataset:
        size = image_size or self.image_shape[:2]
        directory = self.idx_directory(split) if self.idx_env_var else None
        if directory is not None:
            images, labels = idx.read_split(directory, split)
            return load_arrays(
                images, labels, name=self.name, num_classes=self.num_classes,
                image_size=size, **options,
            )
        from keras_gans.data.tfds_source import load_tfds

        loaded = load_tfds(
            self.tfds_name, split=split, image_size=size, center_crop=self.center_crop, **options
        )
        loaded.name = self.name
        return loaded


DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "fashion_mnist", "Zalando's 28x28 grey garments, 10 classes (offline from IDX files)",
            (28, 28, 1), 10, "fashion_mnist", "KERAS_GANS_FASHION_MNIST_DIR",
            ("/usr/share/datasets/fashion-mnist",),
        ),
        DatasetSpec(
            "mnist", "28x28 grey handwritten digits, 10 classes",
            (28, 28, 1), 10, "mnist", "KERAS_GANS_MNIST_DIR", ("/usr/share/datasets/mnist",),
        ),
        DatasetSpec("cifar10", "32x32 colour photos, 10 classes", (32, 32, 3), 10, "cifar10"),
        DatasetSpec(
            "celeb_a", "celebrity faces, centre-cropped 140x140 and resized to 64x64",
            (64, 64, 3), None, "celeb_a", center_crop=CELEB_A_CROP,
        ),
    )
}
