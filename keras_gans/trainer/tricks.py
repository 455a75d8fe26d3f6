"""Stabilizing tricks from the literature, each independent of the objective (keras.ops only)."""

from __future__ import annotations

import keras
from keras import ops


def discriminator_targets(batch_size, label_smoothing, label_flip, seed_generator):
    """Per-example (real_targets, fake_targets) for label-based objectives.

    One-sided label smoothing (Salimans et al. 2016) lowers only the real target to
    1 - label_smoothing. Label flipping swaps a fraction `label_flip` of the targets, a noisy-label
    trick that keeps D from becoming over-confident.
    """
    real = ops.full((batch_size,), 1.0 - label_smoothing)
    fake = ops.zeros((batch_size,))
    if label_flip:
        flip_real = keras.random.uniform((batch_size,), seed=seed_generator) < label_flip
        flip_fake = keras.random.uniform((batch_size,), seed=seed_generator) < label_flip
        real, fake = ops.where(flip_real, 0.0, real), ops.where(flip_fake, 1.0 - label_smoothing, fake)
    return real, fake


def instance_noise_stddev(initial_stddev, step, anneal_steps):
    """Linearly annealed stddev of instance noise (Sonderby et al. 2017; Arjovsky & Bottou 2017)."""
    progress = ops.cast(step, "float32") / float(max(anneal_steps, 1))
    return initial_stddev * ops.maximum(0.0, 1.0 - progress)


def add_instance_noise(images, stddev, seed_generator):
    return images + stddev * keras.random.normal(ops.shape(images), seed=seed_generator)


class ExponentialMovingAverage:
    """Keeps `target`'s weights as an exponential moving average of `source`'s.

    Trainable weights are averaged; the rest (batch-norm statistics) are copied, as StyleGAN does
    for its buffers (then recompute the EMA generator's own statistics with
    `recompute_batch_norm_statistics` before sampling from it or exporting it). Samples from the
    averaged generator are markedly smoother (Yazici et al. 2019).

    The averaging rate is either a raw `decay` per update or, as in StyleGAN2-ADA's training loop,
    a half-life in images: `beta = 0.5 ** (batch_size / ema_nimg)` with `ema_nimg = ema_kimg *
    1000`, capped during ramp-up at `images_seen * ema_rampup`, so that early weights (which are
    far from good) are forgotten quickly and the half-life does not depend on the batch size.

    Args:
        source:     the live generator.
        target:     its averaged copy (same architecture).
        decay:      raw decay per update (used when `ema_kimg` is None).
        ema_kimg:   half-life of the average in thousands of images (StyleGAN2-ADA: 10; its
                    `auto` config: batch_size * 10 / 32).
        ema_rampup: ramp-up coefficient (StyleGAN2-ADA: 0.05) or None.
        batch_size: images per generator update (needed with `ema_kimg`).
    """

    def __init__(self, source, target, decay=0.0, ema_kimg=None, ema_rampup=None, batch_size=None):
        if ema_kimg is not None and (ema_kimg <= 0 or not batch_size):
            raise ValueError(f"ema_kimg needs a positive half-life and a batch_size; got {ema_kimg!r}, {batch_size!r}.")
        if ema_kimg is not None and decay:
            raise ValueError("Set either a raw EMA decay or a half-life ema_kimg, not both.")
        if ema_kimg is None and not 0 < decay < 1:
            raise ValueError(f"The EMA decay must lie in (0, 1); got {decay!r}.")
        self.decay = float(decay)
        self.ema_kimg = None if ema_kimg is None else float(ema_kimg)
        self.ema_rampup = None if ema_rampup is None else float(ema_rampup)
        self.batch_size = None if batch_size is None else int(batch_size)
        trainable = {id(v) for v in source.trainable_weights}
        self.pairs = [(t, s, id(s) in trainable) for t, s in zip(target.weights, source.weights)]
        for target_weight, source_weight, _ in self.pairs:
            # A copy: on JAX an assigned array is shared, and Keras's JAX step donates every
            # state buffer once, so two variables must never hold the same one.
            target_weight.assign(ops.copy(source_weight))

    def beta(self, step=None):
        """The weight of the old average in this update; `step`: generator updates before it."""
        if self.ema_kimg is None:
            return ops.convert_to_tensor(self.decay, "float32")
        ema_nimg = ops.convert_to_tensor(self.ema_kimg * 1000.0, "float32")
        if self.ema_rampup is not None:
            if step is None:
                raise ValueError("An EMA with ramp-up needs the generator step: call update(step).")
            images_seen = ops.cast(step, "float32") * float(self.batch_size)
            ema_nimg = ops.minimum(ema_nimg, images_seen * self.ema_rampup)
        return ops.power(0.5, float(self.batch_size) / ops.maximum(ema_nimg, 1e-8))

    def update(self, step=None):
        beta = self.beta(step)
        for target_weight, source_weight, averaged in self.pairs:
            if averaged:
                target_weight.assign(beta * target_weight + (1.0 - beta) * source_weight)
            else:
                target_weight.assign(source_weight)
