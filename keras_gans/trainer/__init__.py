"""The adversarial trainer and the tricks it composes."""

from keras_gans.trainer.gan import GAN

__all__ = ["GAN"]
