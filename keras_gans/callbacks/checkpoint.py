"""Checkpoints every N steps, at the end, and whenever FID improves."""

from __future__ import annotations

from keras_gans.callbacks.health import TrainingDiverged, non_finite_variables
from keras_gans.callbacks.steps import StepCallback, crossed


class CheckpointEvery(StepCallback):
    """Saves the GAN's full state through a `CheckpointStore`; keeps the latest and the best by FID.

    A step whose `logs` carry a lower `fid` than any before (see `QualityMetrics`) is saved even off
    the interval and marked best. Weights are checked before each save, so a checkpoint on disk is
    never a diverged one: a NaN weight raises `TrainingDiverged` naming the last good checkpoint.

    Args:
        store: the run's `CheckpointStore`.
        every: generator steps between checkpoints (0: only at the end).
        meta: extra metadata for every checkpoint (image shape, classes: what `load_run` needs).
        before_save: callables given the step just before each save (the `StepLog`'s
            `write_through`: what a resumed run keeps of the step log must be on disk first).
    """

    def __init__(self, store, every=500, meta=None, before_save=()):
        super().__init__()
        self.before_save = list(before_save)
        self.store = store
        self.every = int(every)
        self.meta = dict(meta or {})
        best = store.best()
        self.best_fid = best.meta.get("fid") if best is not None else None
        self.last = None

    def after_steps(self, previous, step, logs):
        fid = logs.get("quality_distance")  # FID, or the Frechet distance of another network
        improved = fid is not None and (self.best_fid is None or fid < self.best_fid)
        if improved or crossed(previous, step, self.every):
            self.save(step, fid=fid, best=improved)

    def on_train_end(self, logs=None):
        if self.step > 0:
            self.save(self.step)

    def save(self, step, fid=None, best=False):
        # What a checkpoint's sampler draws is what samples, FID and export show: an EMA generator
        # with batch-norm statistics of its own (training overwrites them on the next step).
        self.model.prepare_sampler()
        bad = non_finite_variables(self.model)
        if bad:
            latest = self.store.latest()
            raise TrainingDiverged(step, dict(list(bad.items())[:3]), latest.path if latest else None)
        for hook in self.before_save:
            hook(step)
        meta = dict(self.meta, data_batches=step, **({"fid": fid} if fid is not None else {}))
        self.last = self.store.save(self.model, step, **meta)
        if best:
            self.best_fid = fid
            self.store.mark_best(self.last, fid)
        self.store.prune()
        return self.last
