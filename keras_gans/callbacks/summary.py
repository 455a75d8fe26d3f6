"""One lazily opened `tf.summary` writer per run, shared by the callbacks that log to TensorBoard."""

from __future__ import annotations

from pathlib import Path

import tensorflow as tf


class RunSummary:
    """Writes TensorBoard scalars, images, text and hparams to `log_dir/<run>/`.

    The event file is created on the first write (as Keras's own TensorBoard callback does), so a
    run that logs nothing leaves no empty file behind. Callbacks share one instance, so the whole
    run appears in TensorBoard as one run (`train`) with hierarchical tags.

    Args:
        log_dir: the run directory; TensorBoard is pointed at it or at a folder of runs.
        run: subfolder, shown as the run name in TensorBoard.
    """

    def __init__(self, log_dir, run="train"):
        self.log_dir = Path(log_dir)
        self.run = run
        self._writer = None

    @property
    def writer(self):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(str(self.log_dir / self.run))
        return self._writer

    def scalar(self, tag, value, step, description=None):
        with self.writer.as_default():
            tf.summary.scalar(tag, float(value), step=int(step), description=description)

    def png(self, tag, png_bytes, step, description=None):
        """An already encoded PNG (e.g. the sample grid written to disk), shown as one image."""
        image = tf.io.decode_png(png_bytes)[None]
        with self.writer.as_default():
            tf.summary.image(tag, image, step=int(step), description=description)

    def text(self, tag, text, step):
        with self.writer.as_default():
            tf.summary.text(tag, text, step=int(step))

    def hparams(self, values: dict, metrics=(), trial_id=None):
        """The HParams plugin's session record: `values` as hyperparameters, `metrics` as the
        scalar tags it tabulates beside them."""
        from tensorboard.plugins.hparams import api as hp

        with self.writer.as_default():
            hp.hparams_config(
                hparams=[hp.HParam(name) for name in values],
                metrics=[hp.Metric(tag) for tag in metrics],
            )
            hp.hparams(values, trial_id=trial_id)

    def flush(self):
        if self._writer is not None:
            self._writer.flush()

    def close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None
