"""Images/second of our train step per recipe, against a minimal hand-written step.

The baseline is what a careful user would write without this library: one `tf.function` with
`tf.GradientTape`s, the same networks, batch, objective, penalty and critic schedule, and none of
the trainer's bookkeeping (metrics, hooks, EMA). Both run in this process, interleaved, so the
ratio holds on a noisy machine even when the absolute numbers do not. It also compares our step
with and without XLA (`jit_compile`), the choice `GANConfig.jit_compile` defaults from.

    python benchmarks/train_throughput.py [--recipes dcgan,wgan_gp] [--steps 20] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from keras_gans.config import load_recipe  # noqa: E402
from keras_gans.assembly import build_gan, make_optimizer  # noqa: E402
from keras_gans.regularizers.gamma import resolve_gamma  # noqa: E402

CORE = ["gan", "dcgan", "wgan", "wgan_gp", "lsgan", "sngan", "r1"]

# The same objectives, written the way a tutorial would.
D_LOSS = {
    "non_saturating": lambda r, f: tf.reduce_mean(tf.nn.softplus(-r)) + tf.reduce_mean(tf.nn.softplus(f)),
    "minimax": lambda r, f: tf.reduce_mean(tf.nn.softplus(-r)) + tf.reduce_mean(tf.nn.softplus(f)),
    "wasserstein": lambda r, f: tf.reduce_mean(f) - tf.reduce_mean(r),
    "least_squares": lambda r, f: 0.5 * tf.reduce_mean((r - 1.0) ** 2) + 0.5 * tf.reduce_mean(f**2),
    "hinge": lambda r, f: tf.reduce_mean(tf.nn.relu(1.0 - r)) + tf.reduce_mean(tf.nn.relu(1.0 + f)),
}
G_LOSS = {
    "non_saturating": lambda f: tf.reduce_mean(tf.nn.softplus(-f)),
    "minimax": lambda f: -tf.reduce_mean(tf.nn.softplus(f)),
    "wasserstein": lambda f: -tf.reduce_mean(f),
    "least_squares": lambda f: 0.5 * tf.reduce_mean((f - 1.0) ** 2),
    "hinge": lambda f: -tf.reduce_mean(f),
}


def hand_written_step(config, generator, discriminator, image_shape=(28, 28, 1)):
    g_opt, d_opt = make_optimizer(config, config.g_lr), make_optimizer(config, config.d_lr)
    d_loss_fn, g_loss_fn = D_LOSS[config.objective], G_LOSS[config.objective]
    gp = config.regularizers.get("gradient_penalty")
    r1 = config.regularizers.get("r1")
    if r1 is not None:  # `gamma: auto` -> StyleGAN2-ADA's value for these images
        r1 = resolve_gamma(r1, image_shape, config.batch_size)
    clip = config.regularizers.get("weight_clipping")

    @tf.function(jit_compile=False)
    def step(real):
        for chunk in tf.split(real, config.d_steps):
            n = tf.shape(chunk)[0]
            fake = generator(tf.random.normal((n, config.latent_dim)), training=True)
            with tf.GradientTape() as tape:
                loss = d_loss_fn(discriminator(chunk, training=True), discriminator(fake, training=True))
                if gp is not None:
                    eps = tf.random.uniform((n, 1, 1, 1))
                    mixed = eps * chunk + (1 - eps) * fake
                    with tf.GradientTape() as inner:
                        inner.watch(mixed)
                        score = tf.reduce_sum(discriminator(mixed, training=True))
                    norm = tf.sqrt(tf.reduce_sum(inner.gradient(score, mixed) ** 2, axis=[1, 2, 3]) + 1e-12)
                    loss += gp.get("weight", 10.0) * tf.reduce_mean((norm - 1.0) ** 2)
                if r1 is not None:
                    with tf.GradientTape() as inner:
                        inner.watch(chunk)
                        score = tf.reduce_sum(discriminator(chunk, training=True))
                    grads = inner.gradient(score, chunk)
                    loss += r1.get("gamma", 10.0) / 2 * tf.reduce_mean(tf.reduce_sum(grads**2, axis=[1, 2, 3]))
            variables = discriminator.trainable_variables
            d_opt.apply(tape.gradient(loss, variables), variables)
            if clip is not None:
                for v in variables:
                    v.assign(tf.clip_by_value(v, -clip["clip_value"], clip["clip_value"]))
        with tf.GradientTape() as tape:
            fake = generator(tf.random.normal((n, config.latent_dim)), training=True)
            loss = g_loss_fn(discriminator(fake, training=True))
        variables = generator.trainable_variables
        g_opt.apply(tape.gradient(loss, variables), variables)

    return step


def images_per_second(step, batch, steps, rounds=3):
    step(batch)  # trace and warm up
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(steps):
            step(batch)
        best = max(best, steps * batch.shape[0] / (time.perf_counter() - start))
    return best


def measure(recipe, steps, batch_size, image_shape=(28, 28, 1)):
    config = load_recipe(recipe, batch_size=batch_size).validate()
    batch = tf.constant(np.random.default_rng(0).uniform(-1, 1, (batch_size * config.d_steps, *image_shape)), tf.float32)
    ours = build_gan(config, image_shape)
    ours_step = tf.function(ours.train_step, jit_compile=False)
    baseline = build_gan(config, image_shape)  # fresh networks of the same architecture
    baseline_step = hand_written_step(config, baseline.generator, baseline.discriminator, image_shape)
    # Interleave rounds so both see the same machine load.
    ours_ips, base_ips = 0.0, 0.0
    for _ in range(2):
        ours_ips = max(ours_ips, images_per_second(ours_step, batch, steps))
        base_ips = max(base_ips, images_per_second(baseline_step, batch, steps))
    # Images/second counts generator-step images: each includes d_steps critic updates.
    return ours_ips / config.d_steps, base_ips / config.d_steps


def measure_xla(steps, batch_size, image_shape=(28, 28, 1)):
    config = load_recipe("dcgan", batch_size=batch_size).validate()
    batch = tf.constant(np.random.default_rng(0).uniform(-1, 1, (batch_size, *image_shape)), tf.float32)
    steps_by_jit = {jit: tf.function(build_gan(config, image_shape).train_step, jit_compile=jit)
                    for jit in (False, True)}
    results = {False: 0.0, True: 0.0}
    for _ in range(2):  # interleaved, like the recipe comparison
        for jit, step in steps_by_jit.items():
            results[jit] = max(results[jit], images_per_second(step, batch, steps))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipes", default=",".join(CORE))
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--skip-xla", action="store_true")
    args = parser.parse_args()
    print(f"{'recipe':10s} {'ours img/s':>11s} {'baseline img/s':>15s} {'ratio':>6s}")
    for recipe in args.recipes.split(","):
        ours, base = measure(recipe, args.steps, args.batch_size)
        print(f"{recipe:10s} {ours:11.1f} {base:15.1f} {ours / base:6.2f}", flush=True)
    if not args.skip_xla:
        xla = measure_xla(args.steps, args.batch_size)
        print(f"\ndcgan step without XLA: {xla[False]:.1f} img/s; with XLA: {xla[True]:.1f} img/s; "
              f"ratio XLA/no-XLA = {xla[True] / xla[False]:.2f}")


if __name__ == "__main__":
    main()
