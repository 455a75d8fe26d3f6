"""Ends training after an exact number of generator steps, whatever the epoch length."""

import keras


class StopAtStep(keras.callbacks.Callback):
    """Stops `fit` once the GAN's step counter reaches `steps` (epochs may end part-way)."""

    def __init__(self, steps):
        super().__init__()
        self.steps = int(steps)

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.step.numpy()) >= self.steps:
            self.model.stop_training = True
