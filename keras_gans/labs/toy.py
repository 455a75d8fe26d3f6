"""2-D toy distributions for the mode-collapse lab and the metrics the literature reports on them.

The ring (8 Gaussians, radius 2, std 0.02) is the mixture of Metz et al. 2016 ("Unrolled
Generative Adversarial Networks"); the 5x5 grid (std 0.05, modes at -4..4 step 2 in the
VEEGAN/PacGAN convention, i.e. spacing 2) is the harder one of Srivastava et al. 2017 and
Lin et al. 2018. Metrics follow those papers: a sample is high quality when it lies within 3
standard deviations of its nearest mode; a mode is covered when at least `min_count` high-quality
samples fall on it (PacGAN counts a mode as lost below 20 of 2500 samples; VEEGAN's looser
criterion is `min_count=1`).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from keras_gans.errors import ConfigError, check_choice


@dataclasses.dataclass(frozen=True)
class GaussianMixture2D:
    """An equal-weight mixture of isotropic 2-D Gaussians with a numpy sampler and metrics.

    Args:
        name: label used in plots and reports.
        means: [K, 2] mode centres.
        std: standard deviation of every component.
    """

    name: str
    means: np.ndarray
    std: float

    @property
    def num_modes(self) -> int:
        return len(self.means)

    def sample(self, n: int, seed=None) -> np.ndarray:
        """n points, float32 [n, 2]; each picks a mode uniformly at random."""
        rng = np.random.default_rng(seed)
        modes = rng.integers(0, self.num_modes, size=n)
        return (self.means[modes] + self.std * rng.standard_normal((n, 2))).astype(np.float32)

    def dataset(self, batch_size: int, seed=None):
        """An endless tf.data pipeline of [batch_size, 2] batches, fresh samples every batch."""
        import tensorflow as tf

        rng = np.random.default_rng(seed)

        def batches():
            while True:
                yield self.sample(batch_size, rng)

        spec = tf.TensorSpec((batch_size, 2), tf.float32)
        return tf.data.Dataset.from_generator(batches, output_signature=spec)

    def metrics(self, samples, threshold: float = 3.0, min_count: int = 20) -> dict:
        """Mode coverage and quality of generated `samples` [N, 2].

        Returns a dict with `modes` (modes with at least `min_count` high-quality samples),
        `high_quality` (share of samples within `threshold` stds of their nearest mode),
        `counts` (high-quality samples per mode, [K]) and `num_modes`.
        """
        samples = np.asarray(samples, np.float64).reshape(-1, 2)
        if not np.all(np.isfinite(samples)):
            # A diverged generator: nothing it made is near a mode.
            samples = np.nan_to_num(samples, nan=1e9, posinf=1e9, neginf=-1e9)
        distances = np.linalg.norm(samples[:, None, :] - self.means[None, :, :], axis=-1)
        nearest = np.argmin(distances, axis=1)
        good = distances[np.arange(len(samples)), nearest] <= threshold * self.std
        counts = np.bincount(nearest[good], minlength=self.num_modes)
        return {
            "modes": int(np.sum(counts >= min_count)),
            "num_modes": self.num_modes,
            "high_quality": float(np.mean(good)) if len(samples) else 0.0,
            "counts": counts,
        }


def ring(num_modes: int = 8, radius: float = 2.0, std: float = 0.02) -> GaussianMixture2D:
    angles = 2.0 * np.pi * np.arange(num_modes) / num_modes
    means = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return GaussianMixture2D("ring", means, float(std))


def grid(side: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture2D:
    ticks = spacing * (np.arange(side) - (side - 1) / 2.0)
    xx, yy = np.meshgrid(ticks, ticks)
    return GaussianMixture2D("grid", np.stack([xx.ravel(), yy.ravel()], axis=1), float(std))


DISTRIBUTIONS = {"ring": ring, "grid": grid}


def get_distribution(name: str) -> GaussianMixture2D:
    return DISTRIBUTIONS[check_choice("toy distribution", name, DISTRIBUTIONS, ConfigError)]()
