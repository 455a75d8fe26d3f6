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
    for its buffers. Samples from the averaged generator are markedly smoother (Yazici et al. 2019).
    """

    def __init__(self, source, target, decay):
        self.decay = float(decay)
        trainable = {id(v) for v in source.trainable_weights}
        self.pairs = [(t, s, id(s) in trainable) for t, s in zip(target.weights, source.weights)]
        for target_weight, source_weight, _ in self.pairs:
            # A copy: on JAX an assigned array is shared, and Keras's JAX step donates every
            # state buffer once, so two variables must never hold the same one.
            target_weight.assign(ops.copy(source_weight))

    def update(self):
        for target_weight, source_weight, averaged in self.pairs:
            if averaged:
                target_weight.assign(self.decay * target_weight + (1.0 - self.decay) * source_weight)
            else:
                target_weight.assign(source_weight)
