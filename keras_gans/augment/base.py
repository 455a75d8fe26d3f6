"""The interface every augmentation of the discriminator's inputs implements."""

from __future__ import annotations

from keras_gans.configurable import Configurable


class Augmentation(Configurable):
    """Transforms every image the discriminator sees, reals and fakes, in both players' steps.

    The trainer applies it before the discriminator and before the regularizers (which then
    penalize gradients at the augmented images), so the generator is trained through the same
    differentiable transform and never learns to produce augmented-looking images (Zhao et al.
    2020; Karras et al. 2020). Written with `keras.ops` only, without Python branches on tensor
    values, so it runs on every backend and under XLA; random parameters come from the trainer's
    seed generator.

    A subclass overrides `__call__`, and, if it adapts, `observe` and `logs`; any state it keeps
    lives in `keras.Variable`s listed by `variables`, which the trainer tracks (and threads
    through the JAX step as state), and changes only through `variable.assign`.
    """

    name = "none"

    def __call__(self, images, seed_generator):
        """`images` `[batch, H, W, C]` in [-1, 1] -> augmented images of the same shape."""
        return images

    @property
    def variables(self) -> list:
        return []

    def observe(self, real_logits):
        """Called once per discriminator step with its (augmented) real logits; adapts state."""
        return None

    def logs(self) -> dict:
        """Scalar tensors the trainer adds to each step's logs (e.g. `augment_p`)."""
        return {}

