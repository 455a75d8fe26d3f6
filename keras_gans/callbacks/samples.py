"""Sample grids from a fixed latent batch, so successive grids show the same "people" improving."""

from __future__ import annotations

from pathlib import Path

import keras

from keras_gans.callbacks.steps import StepCallback, crossed
from keras_gans.images import save_image_grid


_DESCRIPTION = "The same fixed latent batch every time, drawn by the EMA generator when the run keeps one."


class SampleGrid(StepCallback):
    """Writes `samples/step_XXXXXX.png` every `every` generator steps and at the end of training.

    Uses the GAN's `sampler` (the EMA generator when the run keeps one) in inference mode.

    Args:
        directory:   where the PNG files go.
        num_samples: images per grid (a square number fills the grid).
        every:       generator steps between grids; 0 writes only the final grid.
        seed:        seed of the fixed latent batch.
        summary:     a `RunSummary`: each grid also goes to TensorBoard (tag `samples`), the
                     same PNG bytes as on disk.
        batch:       a fixed data batch, for models whose previews translate real images
                     (pix2pix, CycleGAN).
    """

    def __init__(self, directory, num_samples=64, every=500, seed=0, summary=None, batch=None):
        super().__init__()
        self.directory = Path(directory)
        self.num_samples = int(num_samples)
        self.every = int(every)
        self.seed = seed
        self.summary = summary
        self.batch = batch
        self._summary_step = None
        self.last_path = None

    def after_steps(self, previous, now, logs):
        if crossed(previous, now, self.every):
            self.write(now)

    def on_train_end(self, logs=None):
        self.last_path = self.write(self.step, name="final.png")

    def write(self, step, name=None):
        images = preview_images(self.model, self.num_samples, self.seed, self.batch)
        path = self.directory / (name or f"step_{step:06d}.png")
        save_image_grid(images, str(path), rows=self.model.conditioning.preview_rows(len(images)))
        # The final grid repeats the last periodic one when training ends on a multiple of `every`.
        if self.summary is not None and step != self._summary_step:
            self.summary.png("samples", path.read_bytes(), step, description=_DESCRIPTION)
            self._summary_step = step
        return path


def preview_images(model, num_samples, seed, batch=None):
    """The GAN's preview from a fixed seed, as numpy: its sampler on the same latents each time
    (one row per class for conditional models; translations of `batch` for image-to-image ones)."""
    if batch is None and model.conditioning.needs_data_for_preview:
        raise ValueError(f"{type(model.conditioning).__name__} previews translate real images: pass a data batch.")
    return keras.ops.convert_to_numpy(model.preview(num_samples, seed=seed, batch=batch))
