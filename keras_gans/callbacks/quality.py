"""Sample quality of the generator every M steps, in TensorBoard, the step log and the best checkpoint."""

from __future__ import annotations

import logging
import time

import keras

from keras_gans.errors import ConfigError
from keras_gans.metrics import evaluate_generator

logger = logging.getLogger("keras_gans.quality")


class QualityMetrics(keras.callbacks.Callback):
    """Scores the GAN's `sampler` (the EMA generator when kept) every `every` steps.

    With the FID reference network (`FIDInception`) it writes `quality/fid`, `quality/fid_floor`
    (two disjoint real samples of the same size: what a perfect generator would score) and
    `quality/kid`. Any other extractor's numbers go under its own name, e.g.
    `quality/fd_fashion_classifier`, `quality/kd_fashion_classifier`, never as FID. Each tag's
    description holds the sample counts, reference split, network and input protocol, and
    `quality/seconds_fraction` the share of wall time since the last evaluation that the
    evaluation took (the defaults aim at <= 0.1). The values also go into the step's `logs`
    (`fid`/`kid` or the other names, plus `quality_distance`) for `StepLog` and `CheckpointEvery`.

    The reference is prepared on the first evaluation by `reference_fn() -> (extractor,
    RealStatistics)`. If that raises `FileNotFoundError` or `ConfigError` (no network for this
    data on this device, or `fid_network` names one that does not fit the data), the callback
    logs the reason once and turns itself off: training goes on.

    Args:
        reference_fn: builds the extractor and real statistics.
        every: generator steps between evaluations.
        num_samples: generated images per evaluation.
        summary: the run's `RunSummary`, or None.
        batch_size: generator and extractor batch size.
    """

    def __init__(self, reference_fn, every, num_samples=2000, summary=None, batch_size=100):
        super().__init__()
        self.reference_fn = reference_fn
        self.every = int(every)
        self.num_samples = int(num_samples)
        self.summary = summary
        self.batch_size = int(batch_size)
        self.reference = None
        self.disabled_reason = None
        self.history = []  # (step, report)
        self._last_end = None

    def on_train_begin(self, logs=None):
        self._last_end = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.step.numpy())
        if self.every and step % self.every == 0 and self.disabled_reason is None:
            report = self.evaluate(step)
            if report is not None and logs is not None:
                fid, kid = report["fid"], report["kid"]
                logs[fid["name"]], logs[kid["name"]] = fid["value"], kid["kid"]
                logs["quality_distance"] = fid["value"]

    def evaluate(self, step):
        started = time.perf_counter()
        if self.reference is None:
            try:
                self.reference = self.reference_fn()
            except (FileNotFoundError, ConfigError) as error:  # no network for this data here: train on
                self.disabled_reason = str(error)
                logger.warning("Quality (FID/KID) logging is off for this run: %s", error)
                if self.summary is not None:
                    self.summary.text("health/notices", f"Quality (FID/KID) logging is off: {error}", step)
                return None
        extractor, real = self.reference
        report = evaluate_generator(
            self.model.sampler, real, metrics=("fid", "kid"), num_samples=self.num_samples,
            extractor=extractor, batch_size=self.batch_size, latent_dim=self.model.latent_dim,
        )
        self.history.append((step, report))
        finished = time.perf_counter()
        since_last = finished - (self._last_end if self._last_end is not None else started)
        fraction = (finished - started) / since_last if since_last > 0 else 1.0
        self._last_end = finished
        fid, kid = report["fid"], report["kid"]
        if self.summary is not None:
            self._write(step, fid, kid, real, fraction)
        logger.info("step %d: %s %.3f, %s %.5f (%s)", step, fid["name"], fid["value"], kid["name"], kid["kid"],
                    fid["extractor"])
        return report

    def _write(self, step, fid, kid, real, fraction):
        context = (f"{fid['num_samples']} generated vs {fid['reference_num_samples']} real images "
                   f"({real.dataset} {fid['reference_split']} split); network and protocol: {fid['protocol']}")
        kind = "FID" if fid["name"] == "fid" else "Frechet distance (not FID: another network)"
        self.summary.scalar(f"quality/{fid['name']}", fid["value"], step, description=f"{kind}, {context}")
        if "floor" in fid:
            self.summary.scalar(f"quality/{fid['name']}_floor", fid["floor"], step,
                                description=f"{kind} between two disjoint real samples of "
                                            f"{fid['floor_num_samples']}; {fid['protocol']}")
        self.summary.scalar(f"quality/{kid['name']}", kid["kid"], step, description=f"KID, {context}")
        self.summary.scalar("quality/seconds_fraction", fraction, step,
                            description="share of the wall time since the previous evaluation spent evaluating")
        self.summary.flush()

