"""DiffAugment: Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training"."""

from __future__ import annotations

from keras import ops

import keras

from keras_gans.augment import transforms
from keras_gans.augment.base import Augmentation
from keras_gans.errors import ConfigError, unknown_choice

POLICIES = ("color", "translation", "cutout")


class DiffAugment(Augmentation):
    """The paper's `color,translation,cutout` policy, applied to every image D sees.

    Each transform is applied to every image (there is no probability), with fresh parameters
    per image, as in the authors' code:

    - color: brightness `x + U[-0.5, 0.5)`, then saturation (scale the deviation from the
      per-pixel channel mean by `U[0, 2)`), then contrast (scale the deviation from the image mean
      by `U[0.5, 1.5)`). Saturation is the identity on one-channel images.
    - translation: an integer shift of up to `translation_ratio` (1/8) of each side in each
      direction, uniformly, with zero fill.
    - cutout: a rectangle of `cutout_ratio` (1/2) of each side, at a uniform position, zeroed.

    Sizes round as the authors' TensorFlow code does: `int(side * ratio + 0.5)`.

    Args:
        policy:            transforms to apply, in order: a sub-sequence of
                           ("color", "translation", "cutout") or the paper's comma string.
        translation_ratio: largest shift as a fraction of the side (1/8 in the paper).
        cutout_ratio:      cutout side as a fraction of the image side (1/2 in the paper).

    Example:
        >>> augment = DiffAugment()
        >>> augment(keras.ops.zeros((4, 28, 28, 1)), keras.random.SeedGenerator(0)).shape
        (4, 28, 28, 1)

    Reference: https://arxiv.org/abs/2006.10738 (github.com/mit-han-lab/data-efficient-gans)
    """

    name = "diffaugment"

    def __init__(self, policy=POLICIES, translation_ratio=0.125, cutout_ratio=0.5):
        if isinstance(policy, str):
            policy = [p.strip() for p in policy.split(",") if p.strip()]
        for item in policy:
            if item not in POLICIES:
                raise unknown_choice("DiffAugment policy", item, POLICIES, ConfigError)
        for name, ratio in (("translation_ratio", translation_ratio), ("cutout_ratio", cutout_ratio)):
            if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
                raise ConfigError(f"DiffAugment: {name} must be a fraction in [0, 1]; got {ratio!r}.")
        self.policy = tuple(policy)
        self.translation_ratio = float(translation_ratio)
        self.cutout_ratio = float(cutout_ratio)

    def __call__(self, images, seed_generator):
        for item in self.policy:
            images = getattr(self, f"_{item}")(images, seed_generator)
        return images

    def _color(self, images, seed_generator):
        images = images + transforms.per_example_uniform(images, seed_generator, -0.5, 0.5)
        if images.shape[-1] > 1:
            mean = ops.mean(images, axis=-1, keepdims=True)
            images = (images - mean) * transforms.per_example_uniform(images, seed_generator, 0.0, 2.0) + mean
        mean = ops.mean(images, axis=(1, 2, 3), keepdims=True)
        return (images - mean) * transforms.per_example_uniform(images, seed_generator, 0.5, 1.5) + mean

    def _translation(self, images, seed_generator):
        n = transforms.batch_size(images)
        shifts = []
        for side in images.shape[1:3]:
            limit = int(side * self.translation_ratio + 0.5)
            shifts.append(keras.random.randint((n,), -limit, limit + 1, seed=seed_generator))
        return transforms.translate(images, *shifts, fill="zeros")

    def _cutout(self, images, seed_generator):
        n = transforms.batch_size(images)
        sizes, starts = [], []
        for side in images.shape[1:3]:
            size = int(side * self.cutout_ratio + 0.5)
            # The authors draw the centre from [0, side + 1 - size % 2) and start half a size before.
            centre = keras.random.randint((n,), 0, side + (1 - size % 2), seed=seed_generator)
            sizes.append(size)
            starts.append(centre - size // 2)
        return transforms.cutout(images, starts[0], starts[1], sizes[0], sizes[1])

    def get_config(self):
        return {"policy": list(self.policy), "translation_ratio": self.translation_ratio,
                "cutout_ratio": self.cutout_ratio}
