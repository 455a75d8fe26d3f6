"""The interface every augmentation of the discriminator's inputs implements."""

from __future__ import annotations


class Augmentation:
    """A random, differentiable transform of every image the discriminator sees.

    The trainer calls it on each discriminator input (reals and fakes, in D's step and in G's
    step) before the regularizers, which therefore see augmented images. Because the same
    distribution of transforms is applied to both sides, the discriminator cannot tell reals from
    fakes by the augmentation, and the generator learns the un-augmented distribution as long as
    the transforms are invertible in distribution (Zhao et al. 2020; Karras et al. 2020).

    State that adapts during training (ADA's probability `p`) lives in `variables`, which the
    trainer tracks (checkpoints, JAX state); `observe` updates it from D's logits on the augmented
    reals once per discriminator step, with `variable.assign` only.

    Written with `keras.ops` and `keras.random` only, without Python branches on tensor values,
    so that it runs on TensorFlow and JAX under XLA.
    """

    name = "none"

    def __call__(self, images, seed_generator):
        """Augmented `images` (float `[batch, height, width, channels]`), same shape and dtype."""
        return images

    @property
    def variables(self) -> list:
        """`keras.Variable`s holding the augmentation's state; none by default."""
        return []

    def observe(self, real_logits):
        """Called once per discriminator step with D's logits on the augmented reals."""
        return None

    def logs(self) -> dict:
        """Scalar tensors the trainer adds to its logs, e.g. `{"augment_p": p}`."""
        return {}

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
