"""The mode-collapse lab: train recipes on 2-D toy mixtures and watch which modes they keep.

Each recipe contributes what makes it that GAN (objective, regularizers, critic steps,
optimizer family and betas, tricks); the networks are small MLPs for flat 2-D points so every
run takes seconds on a CPU, and one learning rate is shared so recipes are compared on their
objectives rather than on step sizes tuned for 64x64 images. The recipe's EMA generator is
not used: over a few hundred steps it would mostly show the initialization.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from keras_gans.config import load_recipe
from keras_gans.errors import ConfigError
from keras_gans.assembly import make_optimizer
from keras_gans.labs.toy import GaussianMixture2D, get_distribution
from keras_gans.networks import MLPDiscriminator, MLPGenerator
from keras_gans.trainer import build_trainer

DEFAULT_RECIPES = ("gan", "wgan_gp", "r1")


@dataclasses.dataclass
class LabRun:
    """One recipe's run: generator samples and metrics at each snapshot step."""

    recipe: str
    steps: list
    samples: list
    metrics: list

    @property
    def final(self) -> dict:
        return self.metrics[-1]


def build_toy_gan(recipe, *, latent_dim=16, units=(128, 128), lr=1e-3, steps=1000, seed=0, **overrides):
    """A `GAN` for 2-D points with `recipe`'s objective, regularizers, schedule and tricks.

    The networks are small MLPs for points instead of the recipe's, one learning rate serves every
    recipe and the EMA generator is off: the lab compares objectives, not architectures.
    `overrides` are applied to the recipe (e.g. `regularizers={"r1": {"gamma": 1.0}}`).
    Seeds Keras globally (`keras.utils.set_random_seed`) so the weights repeat run to run.
    """
    config = load_recipe(recipe, **overrides)
    # `gamma: auto` scales with image resolution, which 2-D points lack; Mescheder et al.'s 2-D
    # mixtures use gamma = 10.
    regularizers = {name: {**args, "gamma": 10.0} if args.get("gamma") == "auto" else args
                    for name, args in config.regularizers.items()}
    config = config.replace(latent_dim=latent_dim, g_lr=lr, d_lr=lr, steps=steps, seed=seed, ema_decay=0.0,
                            regularizers=regularizers)
    keras.utils.set_random_seed(seed)
    generator = MLPGenerator(latent_dim, (2,), units=units, output_activation=None)
    # No dropout: the lab asks what the objective does, and the toy critic is small already.
    discriminator = MLPDiscriminator(units=units, dropout=0.0, spectral_norm=config.spectral_norm)
    gan = build_trainer(config, generator, discriminator, (2,))
    gan.compile(g_optimizer=make_optimizer(config, lr), d_optimizer=make_optimizer(config, lr))
    return gan


def run_recipe(recipe, distribution="ring", *, steps=600, snapshots=4, batch_size=256, num_samples=2500,
               latent_dim=16, units=(128, 128), lr=1e-3, seed=0, min_count=20, **overrides) -> LabRun:
    """Trains one recipe for `steps` generator updates, taking `snapshots` evenly spaced looks.

    Every look draws `num_samples` points from the same fixed latents and scores them with the
    distribution's metrics (`min_count` high-quality samples make a mode count as covered).
    """
    data = distribution if isinstance(distribution, GaussianMixture2D) else get_distribution(distribution)
    if steps < snapshots or snapshots < 1:
        raise ConfigError(f"Need steps >= snapshots >= 1, got steps={steps}, snapshots={snapshots}.")
    gan = build_toy_gan(recipe, latent_dim=latent_dim, units=units, lr=lr, steps=steps, seed=seed, **overrides)
    dataset = data.dataset(batch_size * gan.d_steps, seed=seed)
    z = np.random.default_rng(seed + 1).standard_normal((num_samples, latent_dim)).astype(np.float32)
    run = LabRun(str(recipe), [], [], [])
    bounds = np.linspace(0, steps, snapshots + 1).round().astype(int)
    for start, stop in zip(bounds[:-1], bounds[1:]):
        # One fit call per snapshot; Keras keeps the traced train function between calls.
        gan.fit(dataset, epochs=1, steps_per_epoch=int(stop - start), verbose=0, shuffle=False)
        samples = np.asarray(gan.sampler(z, training=False))
        run.steps.append(int(stop))
        run.samples.append(samples)
        run.metrics.append(data.metrics(samples, min_count=min_count))
    return run


def run_lab(recipes=DEFAULT_RECIPES, distribution="ring", **kwargs) -> list:
    """`run_recipe` for each recipe, same seed and data stream for all."""
    return [run_recipe(recipe, distribution, **kwargs) for recipe in recipes]


def format_report(runs) -> str:
    lines = [f"{'recipe':12s} {'step':>6s} {'modes':>7s} {'high quality':>13s}"]
    for run in runs:
        for step, m in zip(run.steps, run.metrics):
            lines.append(f"{run.recipe:12s} {step:6d} {m['modes']:3d}/{m['num_modes']:<3d} {m['high_quality']:13.1%}")
    return "\n".join(lines)


def plot_lab(runs, distribution="ring", path="modes.png") -> str:
    """Rows = recipes, columns = snapshots; mode centres in red, samples in blue. Writes a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = distribution if isinstance(distribution, GaussianMixture2D) else get_distribution(distribution)
    extent = np.abs(data.means).max() * 1.5
    cols = max(len(r.steps) for r in runs)
    fig, axes = plt.subplots(len(runs), cols, figsize=(2.4 * cols, 2.4 * len(runs)), squeeze=False)
    for row, run in enumerate(runs):
        for col in range(cols):
            ax = axes[row, col]
            ax.set_xticks([])
            ax.set_yticks([])
            if col >= len(run.steps):
                ax.axis("off")
                continue
            ax.scatter(run.samples[col][:, 0], run.samples[col][:, 1], s=1, alpha=0.4, color="tab:blue")
            ax.scatter(data.means[:, 0], data.means[:, 1], s=8, color="tab:red", marker="x")
            ax.set_xlim(-extent, extent)
            ax.set_ylim(-extent, extent)
            m = run.metrics[col]
            ax.set_title(f"step {run.steps[col]}: {m['modes']}/{m['num_modes']} modes, "
                         f"{m['high_quality']:.0%} hq", fontsize=7)
            if col == 0:
                ax.set_ylabel(run.recipe, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path
