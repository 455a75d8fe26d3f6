"""Stops a diverged run with an error, and warns when the discriminator wins or samples collapse."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import keras
import numpy as np

from keras_gans.callbacks.samples import preview_images
from keras_gans.callbacks.steps import StepCallback, crossed

logger = logging.getLogger("keras_gans.health")

# What the recipes and config offer against each failure (names checked by tests/test_health.py).
D_WINS_REMEDIES = (
    "label_smoothing (e.g. --set label_smoothing=0.1), instance_noise (e.g. --set instance_noise=0.1), "
    "a lower d_lr than g_lr, or a recipe whose discriminator cannot win outright: r1 (R1 penalty), "
    "wgan_gp (gradient penalty) or sngan (spectral normalization)"
)
COLLAPSE_REMEDIES = (
    "the wgan_gp, r1 or sngan recipes (their regularized critics keep gradients informative), "
    "label_flip or instance_noise, or a lower g_lr"
)


class TrainingDiverged(RuntimeError):
    """A loss or weight became NaN or infinite.

    Attributes:
        step: the generator step at which it was seen.
        checkpoint: the last good checkpoint directory (still on disk), or None.
        values: the offending values, e.g. {"d_loss": nan}.
    """

    def __init__(self, step, values, checkpoint=None):
        self.step, self.values, self.checkpoint = int(step), dict(values), checkpoint
        shown = ", ".join(f"{k}={v}" for k, v in self.values.items())
        # The store keeps checkpoints in RUN_DIR/checkpoints/step_*.
        where = (
            f"The last good checkpoint, {checkpoint}, stays on disk: resume from it with a lower learning "
            f"rate, e.g. `keras-gans train --resume {Path(checkpoint).parent.parent} --set g_lr=... --set d_lr=...`."
            if checkpoint else "No checkpoint was written before it."
        )
        super().__init__(f"Training diverged at step {self.step}: {shown} is not finite. {where}")


def non_finite_variables(model) -> dict:
    """{variable path: "nan"/"inf"} for every weight of the GAN that is not finite."""
    bad = {}
    for variable in model.variables:
        if "float" in str(variable.dtype):
            value = keras.ops.convert_to_numpy(variable)
            if not np.isfinite(value).all():
                bad[variable.path] = "nan" if np.isnan(value).any() else "inf"
    return bad


class TrainingHealth(StepCallback):
    """Raises `TrainingDiverged` on a non-finite loss; warns (log and TensorBoard) on two failures.

    The losses, scores and gradient norms of every step are checked, `every` steps at a time, from
    the train step's on-device buffer (no host copy in between), and also at each multiple of
    `also_at` (the checkpoint interval: a checkpoint is never written after an unchecked step) and
    when training ends. The error names the first non-finite step and the last checkpoint saved.

    - The discriminator wins outright: over the last `every` steps the mean real score stayed above
      0.95 and the mean fake score below 0.05 (objectives whose score is a probability), or the
      generator's gradient norm fell below `vanish_ratio` times its level in the first interval.
    - Mode collapse: the mean pairwise distance between samples of a fixed latent batch falls below
      `collapse_ratio` times that of a real batch and to half of its highest value in this run,
      measured at the start too (so an untrained generator's near-constant output, which only
      grows, is not a collapse, while a resumed run that collapses right away is).

    Each warning is given once when its condition starts and again only after it has cleared.

    Args:
        store: the run's `CheckpointStore`, named in the divergence error.
        summary: the run's `RunSummary` (warnings as text under `health/warnings`, the measures as
            `health/diversity_ratio` and `health/score_gap`), or None.
        real_images: a real batch [N, H, W, C] in [-1, 1] for the diversity reference, or None.
        every: steps between checks (the interval the means are taken over); at most the model's
            `log_every`, the steps its buffer keeps.
        num_samples: size of the fixed latent batch.
        also_at: further step intervals at which losses are checked (e.g. `checkpoint_every`).
    """

    def __init__(self, store=None, summary=None, real_images=None, every=50, num_samples=64,
                 collapse_ratio=0.3, vanish_ratio=0.01, seed=0, also_at=()):
        super().__init__()
        self.also_at = tuple(int(k) for k in also_at if k)
        self.store = store
        self.summary = summary
        self.real_images = real_images
        self.every = max(1, int(every))
        self.num_samples = int(num_samples)
        self.collapse_ratio = float(collapse_ratio)
        self.vanish_ratio = float(vanish_ratio)
        self.seed = seed
        self.warnings = []  # (step, kind, message), newest last
        self._window, self._active, self._peak_diversity = [], set(), 0.0
        self._first_grad_norm = self._real_diversity = None

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._checked = self.step
        self._window, self._active, self._peak_diversity, self._first_grad_norm = [], set(), 0.0, None
        if self.real_images is not None:
            self._real_diversity = mean_pairwise_distance(self.real_images[: self.num_samples])
            try:
                # A resumed run starts from trained weights: a collapse right after resuming counts.
                self._peak_diversity = self.diversity_ratio()
            except Exception as error:  # e.g. image-to-image GANs, whose samples need source images
                logger.info("Sample-diversity check off for this model: %s", error)
                self._real_diversity = None
        self._probability_scores = _scores_are_probabilities(self.model.objective)

    def after_steps(self, previous, now, logs):
        if crossed(previous, now, self.every) or any(crossed(previous, now, k) for k in self.also_at):
            self.check_losses(now)
        if crossed(previous, now, self.every):
            self.check(now)

    def on_train_end(self, logs=None):
        self.check_losses(self.step)

    def check_losses(self, until):
        """Raises `TrainingDiverged` at the first step up to `until` with a non-finite value."""
        rows, self._checked = self.rows(self._checked, until), max(self._checked, until)
        for step, values in rows:
            bad = {k: v for k, v in values.items() if not math.isfinite(v)}
            if bad:
                latest = self.store.latest() if self.store is not None else None
                raise TrainingDiverged(step, bad, latest.path if latest is not None else None)
            self._window.append({k: values[k] for k in ("real_score", "fake_score", "g_grad_norm") if k in values})

    def check(self, step):
        window, self._window = self._window, []
        means = {k: float(np.mean([w[k] for w in window])) for k in (window[0] if window else {})}
        if "g_grad_norm" in means and self._first_grad_norm is None:
            self._first_grad_norm = means["g_grad_norm"]
        scores_saturated = (
            self._probability_scores and means.get("real_score", 0) > 0.95 and means.get("fake_score", 1) < 0.05
        )
        vanished = (
            self._first_grad_norm is not None and "g_grad_norm" in means
            and means["g_grad_norm"] < self.vanish_ratio * self._first_grad_norm
        )
        if "real_score" in means and "fake_score" in means and self.summary is not None:
            self.summary.scalar("health/score_gap", means["real_score"] - means["fake_score"], step)
        self._flag(step, "discriminator_wins", scores_saturated or vanished, (
            f"The discriminator wins outright at step {step} (mean real score "
            f"{means.get('real_score', float('nan')):.3f}, fake score {means.get('fake_score', float('nan')):.3f}, "
            f"generator gradient norm {means.get('g_grad_norm', float('nan')):.3g}); the generator gets "
            f"no useful gradient. Remedies: {D_WINS_REMEDIES}."
        ))
        if self._real_diversity:
            ratio = self.diversity_ratio()
            self._peak_diversity = max(self._peak_diversity, ratio)
            if self.summary is not None:
                self.summary.scalar("health/diversity_ratio", ratio, step,
                                    description="Mean pairwise distance of fixed-latent samples / of real images.")
            collapsed = ratio < self.collapse_ratio and self._peak_diversity >= 2 * ratio
            self._flag(step, "mode_collapse", collapsed, (
                f"Sample diversity collapsed at step {step}: samples differ {ratio:.2f}x as much as real "
                f"images (peak {self._peak_diversity:.2f}x); the generator is covering few modes. "
                f"Remedies: {COLLAPSE_REMEDIES}."
            ))

    def diversity_ratio(self) -> float:
        """Mean pairwise distance of the fixed-latent samples over that of the real batch."""
        samples = preview_images(self.model, self.num_samples, self.seed)
        return mean_pairwise_distance(samples) / self._real_diversity

    def _flag(self, step, kind, condition, message):
        if condition and kind not in self._active:
            self._active.add(kind)
            self.warnings.append((step, kind, message))
            logger.warning(message)
            if self.summary is not None:
                self.summary.text("health/warnings", message, step)
        elif not condition:
            self._active.discard(kind)


def mean_pairwise_distance(images) -> float:
    """Mean Euclidean distance between all pairs of flattened images."""
    x = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    squared = np.sum(x * x, axis=1)
    distances = np.sqrt(np.maximum(squared[:, None] + squared[None, :] - 2 * x @ x.T, 0.0))
    n = len(x)
    return float(distances.sum() / (n * (n - 1))) if n > 1 else 0.0


def _scores_are_probabilities(objective) -> bool:
    # Objectives report D's score as a sigmoid probability or as the raw logit; only the former has
    # a fixed meaning for "real near 1, fake near 0".
    scores = keras.ops.convert_to_numpy(objective.score(keras.ops.convert_to_tensor([-30.0, 30.0])))
    return bool(abs(scores[0]) < 1e-3 and abs(scores[1] - 1) < 1e-3)
