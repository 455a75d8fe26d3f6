"""Ends training after an exact number of generator steps, whatever the epoch length."""

from keras_gans.callbacks.steps import StepCallback


class StopAtStep(StepCallback):
    """Stops `fit` once the host's step count reaches `steps` (epochs may end part-way)."""

    def __init__(self, steps):
        super().__init__()
        self.steps = int(steps)

    def after_steps(self, previous, now, logs):
        if now >= self.steps:
            # `_model`: setting a flag needs no sync of the JAX state into the variables.
            self._model.stop_training = True
