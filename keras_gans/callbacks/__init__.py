"""Callbacks that watch a GAN while it trains."""

from keras_gans.callbacks.samples import SampleGrid
from keras_gans.callbacks.stop import StopAtStep

__all__ = ["SampleGrid", "StopAtStep"]
