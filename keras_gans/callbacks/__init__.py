"""Callbacks that watch a GAN while it trains.

None of them copies a device value to the host every step: they count steps on the host and read
the train step's buffer of recent steps (`recent_steps`) when they act (see `steps.py`).
`keras_gans.fit` chains them in this order through `RunCallbacks`: StepLog (writes every step's
values before anything can stop the run, and hands epoch means to `History` and user callbacks),
TrainingHealth (raises on NaN before anything is saved), QualityMetrics (adds `fid`/`kid`),
CheckpointEvery (keeps the best FID), TensorBoardLogger, SampleGrid, StopAtStep, ProgressLine.
"""

from keras_gans.callbacks.checkpoint import CheckpointEvery
from keras_gans.callbacks.health import TrainingDiverged, TrainingHealth
from keras_gans.callbacks.quality import QualityMetrics
from keras_gans.callbacks.progress import ProgressLine
from keras_gans.callbacks.samples import SampleGrid
from keras_gans.callbacks.step_log import StepLog, read_step_log
from keras_gans.callbacks.steps import RunCallbacks, StepCallback
from keras_gans.callbacks.stop import StopAtStep
from keras_gans.callbacks.summary import RunSummary
from keras_gans.callbacks.tensorboard import TensorBoardLogger, flat_hparams

__all__ = [
    "CheckpointEvery", "ProgressLine", "QualityMetrics", "RunCallbacks", "RunSummary", "SampleGrid",
    "StepCallback", "StepLog", "StopAtStep",
    "TensorBoardLogger", "TrainingDiverged", "TrainingHealth", "flat_hparams", "read_step_log",
]
