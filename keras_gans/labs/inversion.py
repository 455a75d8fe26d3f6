"""GAN inversion: find the latent whose image is closest to a given image, and morph between two.

All restarts for all images are one batch of latents optimized together: Adam's update is
per-coordinate, so the restarts do not interact, and one generator call per step serves them all.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from keras_gans.backend import loss_gradients
from keras_gans.errors import ConfigError, check_choice
from keras_gans.labs.latent import generate, is_conditional, latent_dim_of, path

SELECT = ("reconstruction", "discriminator")


def _call(generator, z, labels):
    return generator([z, labels], training=False) if labels is not None else generator(z, training=False)


def _score(discriminator, images, labels):
    """Mean logit per example (patch discriminators give several logits per image)."""
    logits = discriminator([images, labels], training=False) if labels is not None else discriminator(
        images, training=False
    )
    return ops.mean(ops.reshape(logits, (ops.shape(logits)[0], -1)), axis=1)


def invert(
    generator,
    images,
    *,
    steps: int = 300,
    restarts: int = 4,
    lr: float = 0.05,
    discriminator=None,
    feature_weight: float = 0.0,
    select: str = "reconstruction",
    labels=None,
    seed=None,
):
    """Optimizes z so that G(z) reconstructs `images` ([N, H, W, C] in [-1, 1]).

    Minimizes the per-image mean squared error ||x - G(z)||^2 / (H W C), plus, when a
    `discriminator` and `feature_weight > 0` are given, `feature_weight * softplus(-D(G(z)))`,
    which pulls reconstructions towards what the discriminator calls real (monotone in the logit
    and bounded below, so it also suits unbounded WGAN critics). `restarts` random starts per
    image run in one batch; the best one is kept, by lowest reconstruction error or (with
    `select="discriminator"`) by highest discriminator logit. Adam's step size decays by cosine
    to 1% of `lr`, so the last steps settle instead of circling the minimum.

    Returns `(z [N, latent_dim], reconstructions [N, H, W, C], errors [N])`, numpy float32,
    where `errors` is the per-pixel mean squared error of the kept start.
    """
    check_choice("select", select, SELECT, ConfigError)
    if select == "discriminator" and discriminator is None:
        raise ConfigError('select="discriminator" needs a discriminator to score the restarts.')
    if feature_weight > 0 and discriminator is None:
        raise ConfigError("feature_weight > 0 needs a discriminator.")
    if restarts < 1 or steps < 1:
        raise ConfigError(f"invert needs steps >= 1 and restarts >= 1, got {steps}, {restarts}.")
    images = np.asarray(images, np.float32)
    n, dim = images.shape[0], latent_dim_of(generator)
    # Layout [restart, image] flattened: row r * n + i is restart r of image i.
    targets = ops.convert_to_tensor(np.tile(images, (restarts,) + (1,) * (images.ndim - 1)))
    batch_labels = None
    if is_conditional(generator):
        if labels is None:
            raise ConfigError("This generator is conditional: pass the images' labels.")
        batch_labels = ops.convert_to_tensor(np.tile(np.broadcast_to(np.asarray(labels, np.int32), (n,)), restarts))
    rng = np.random.default_rng(seed)
    z = keras.Variable(rng.standard_normal((restarts * n, dim)).astype(np.float32), name="inverted_z")
    schedule = keras.optimizers.schedules.CosineDecay(lr, decay_steps=steps, alpha=0.01)
    optimizer = keras.optimizers.Adam(learning_rate=schedule)
    optimizer.build([z])

    def per_example_error(recon):
        return ops.mean(ops.reshape(ops.square(targets - recon), (restarts * n, -1)), axis=1)

    def loss_fn():
        recon = _call(generator, z, batch_labels)
        # Summed, not averaged, over the batch: each latent's gradient is then independent of
        # how many restarts and images share the batch.
        loss = ops.sum(per_example_error(recon))
        if feature_weight > 0:
            loss = loss + feature_weight * ops.sum(ops.softplus(-_score(discriminator, recon, batch_labels)))
        return loss, None

    # Traced once: eager Python overhead was ~10x the arithmetic for small generators.
    @tf.function(reduce_retracing=True)
    def step():
        _, _, grads = loss_gradients(loss_fn, [z])
        optimizer.apply(grads, [z])

    for _ in range(int(steps)):
        step()

    recon = _call(generator, z, batch_labels)
    errors = ops.convert_to_numpy(per_example_error(recon)).reshape(restarts, n)
    if select == "discriminator":
        scores = ops.convert_to_numpy(_score(discriminator, recon, batch_labels)).reshape(restarts, n)
        best = np.argmax(scores, axis=0)
    else:
        best = np.argmin(errors, axis=0)
    rows = best * n + np.arange(n)
    z_best = ops.convert_to_numpy(z)[rows]
    recon_best = ops.convert_to_numpy(recon)[rows]
    return z_best.astype(np.float32), recon_best.astype(np.float32), errors[best, np.arange(n)].astype(np.float32)


def morph(generator, image_a, image_b, steps: int = 8, method: str = "slerp", labels=None, *,
          invert_steps: int = 300, **invert_kwargs):
    """Inverts two images (`invert_steps` optimizer steps, `invert_kwargs` for `invert`) and
    walks `steps` frames between their latents.

    Returns `(frames [steps, H, W, C], errors [2])`: the frames start at G(z_a) and end at G(z_b)
    (the reconstructions, not the inputs), and `errors` says how faithful those endpoints are.
    For conditional generators `labels` is the one class both images and the walk use.
    """
    pair = np.stack([np.asarray(image_a, np.float32), np.asarray(image_b, np.float32)])
    pair_labels = None if labels is None else np.full((2,), int(labels), np.int32)
    z, _, errors = invert(generator, pair, steps=invert_steps, labels=pair_labels, **invert_kwargs)
    return generate(generator, path(z[0], z[1], steps, method), labels), errors
