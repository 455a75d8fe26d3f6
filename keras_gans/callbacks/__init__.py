"""Callbacks that watch a GAN while it trains.

`keras_gans.fit` chains them in this order, because later ones read what earlier ones add to a
step's `logs`: TrainingHealth (raises on NaN before anything is saved), QualityMetrics (adds
`fid`/`kid`), CheckpointEvery (keeps the best FID), TensorBoardLogger, SampleGrid, StopAtStep, then
StepLog, which hands the usual epoch means on to user callbacks, `History` and the progress bar.
"""

from keras_gans.callbacks.checkpoint import CheckpointEvery
from keras_gans.callbacks.health import TrainingDiverged, TrainingHealth
from keras_gans.callbacks.quality import QualityMetrics
from keras_gans.callbacks.samples import SampleGrid
from keras_gans.callbacks.step_log import StepLog, read_step_log
from keras_gans.callbacks.stop import StopAtStep
from keras_gans.callbacks.summary import RunSummary
from keras_gans.callbacks.tensorboard import TensorBoardLogger, flat_hparams

__all__ = [
    "CheckpointEvery", "QualityMetrics", "RunSummary", "SampleGrid", "StepLog", "StopAtStep",
    "TensorBoardLogger", "TrainingDiverged", "TrainingHealth", "flat_hparams", "read_step_log",
]
