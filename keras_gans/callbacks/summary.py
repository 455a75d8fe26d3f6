"""One lazily opened TensorBoard event writer per run, shared by the callbacks that log to it.

Written with the `tensorboard` package's own event writer and summary protos (as
`torch.utils.tensorboard` does), not `tf.summary`, so runs on the JAX backend log to TensorBoard on a
machine without TensorFlow, and both backends write the same records.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from keras_gans.images import png_size


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
            from tensorboard.summary.writer.event_file_writer import EventFileWriter

            self._writer = EventFileWriter(str(self.log_dir / self.run))
        return self._writer

    def scalar(self, tag, value, step, description=None):
        from tensorboard.plugins.scalar import metadata

        self._write(tag, np.float32(value), metadata.create_summary_metadata(tag, description), step)

    def png(self, tag, png_bytes, step, description=None):
        """An already encoded PNG (e.g. the sample grid written to disk), shown as one image."""
        from tensorboard.plugins.image import metadata

        width, height = png_size(png_bytes)
        # The image plugin's tensor layout: [width, height, encoded image, ...] as strings.
        content = np.array([str(width).encode(), str(height).encode(), png_bytes], dtype=object)
        self._write(tag, content, metadata.create_summary_metadata(tag, description), step)

    def text(self, tag, text, step):
        from tensorboard.plugins.text import metadata

        content = np.array(text.encode() if isinstance(text, str) else text, dtype=object)
        self._write(tag, content, metadata.create_summary_metadata(tag, None), step)

    def hparams(self, values: dict, metrics=(), trial_id=None):
        """The HParams plugin's session record: `values` as hyperparameters, `metrics` as the
        scalar tags it tabulates beside them."""
        from tensorboard.plugins.hparams import summary_v2 as hp

        config = hp.hparams_config_pb(hparams=[hp.HParam(name) for name in values],
                                      metrics=[hp.Metric(tag) for tag in metrics])
        self._add(config, step=0)
        self._add(hp.hparams_pb(values, trial_id=trial_id), step=0)

    def flush(self):
        if self._writer is not None:
            self._writer.flush()

    def close(self):
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _write(self, tag, value, summary_metadata, step):
        from tensorboard.compat.proto import summary_pb2
        from tensorboard.util import tensor_util

        summary = summary_pb2.Summary()
        summary.value.add(tag=tag, metadata=summary_metadata, tensor=tensor_util.make_tensor_proto(value))
        self._add(summary, step)

    def _add(self, summary, step):
        from tensorboard.compat.proto import event_pb2

        self.writer.add_event(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))
