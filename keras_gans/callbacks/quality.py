"""FID and KID of the generator every M steps, in TensorBoard, the step log and the best checkpoint."""

from __future__ import annotations

import logging

import keras

from keras_gans.metrics import evaluate_generator

logger = logging.getLogger("keras_gans.quality")


class QualityMetrics(keras.callbacks.Callback):
    """Scores the GAN's `sampler` (the EMA generator when kept) every `every` steps.

    Writes `quality/fid`, `quality/fid_floor` (two disjoint real samples of the same size: what a
    perfect generator would score) and `quality/kid`, each described with its extractor, sample
    count and reference split, and puts `fid`/`kid` into the step's `logs` so `StepLog` records
    them and `CheckpointEvery` keeps the best checkpoint.

    The reference is prepared on the first evaluation by `reference_fn() -> (extractor,
    RealStatistics)`. If that raises `FileNotFoundError` (e.g. no InceptionV3 weights for a dataset
    other than fashion_mnist), the callback logs the reason once and turns itself off: a missing
    feature extractor must not stop a training run.

    Args:
        reference_fn: builds the extractor and real statistics.
        every: generator steps between evaluations.
        num_samples: generated images per evaluation.
        summary: the run's `RunSummary`, or None.
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

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.step.numpy())
        if self.every and step % self.every == 0 and self.disabled_reason is None:
            report = self.evaluate(step)
            if report is not None and logs is not None:
                logs["fid"], logs["kid"] = report["fid"]["value"], report["kid"]["kid"]

    def evaluate(self, step):
        if self.reference is None:
            try:
                self.reference = self.reference_fn()
            except FileNotFoundError as error:
                self.disabled_reason = str(error)
                logger.warning("FID/KID logging is off for this run: %s", error)
                if self.summary is not None:
                    self.summary.text("health/notices", f"FID/KID logging is off: {error}", step)
                return None
        extractor, real = self.reference
        report = evaluate_generator(
            self.model.sampler, real, metrics=("fid", "kid"), num_samples=self.num_samples,
            extractor=extractor, batch_size=self.batch_size, latent_dim=self.model.latent_dim,
        )
        self.history.append((step, report))
        if self.summary is not None:
            fid, kid = report["fid"], report["kid"]
            context = (f"extractor {fid['extractor']}, {fid['num_samples']} generated vs "
                       f"{fid['reference_num_samples']} real images ({real.dataset} {fid['reference_split']} split)")
            self.summary.scalar("quality/fid", fid["value"], step, description=f"FID, {context}")
            if "floor" in fid:
                self.summary.scalar("quality/fid_floor", fid["floor"], step,
                                    description=f"FID between two disjoint real samples of {fid['floor_num_samples']}")
            self.summary.scalar("quality/kid", kid["kid"], step, description=f"KID, {context}")
            self.summary.flush()
        logger.info("step %d: FID %.3f, KID %.5f", step, report["fid"]["value"], report["kid"]["kid"])
        return report
