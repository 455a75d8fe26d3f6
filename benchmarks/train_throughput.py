"""Images/second of the whole `keras_gans.fit` path per recipe and backend, against a hand-written loop.

Ours is `keras_gans.fit(recipe, dataset=...)` as a user calls it: the real input pipeline and every
callback at its default interval (step log, health checks, TensorBoard scalars every `log_every`,
sample grids and checkpoints every 500 steps). The baseline (`hand_written.py`) is what a careful
user would write without this library: the same networks and the same input pipeline, one
compiled step per batch, nothing else. Each process measures one backend (Keras fixes it at
import), rounds interleaved (fit, loop, fit, loop, ...) so both see the same machine load; the
printed numbers are medians over rounds. A fit's first `--warmup` steps (tracing, compiling) are
left out of its window; a window of fewer than `log_every` steps leaves the periodic callbacks out.
On TensorFlow it also compares our bare step with and without XLA (`jit_compile`), the choice
`GANConfig.jit_compile` defaults from.

    python benchmarks/train_throughput.py                      # both backends, one process each
    python benchmarks/train_throughput.py --backend jax --recipes dcgan --steps 20 --rounds 2
    python benchmarks/train_throughput.py --set batch_size=32 --set generator_width=32

Images/second counts generator-step images (`batch_size` per step; each step also makes
`d_steps` critic updates). Target: fit / hand-written >= 0.95 on every recipe and backend.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

BACKENDS = ("tensorflow", "jax")
CORE = ["gan", "dcgan", "wgan", "wgan_gp", "lsgan", "sngan", "r1"]
TARGET = 0.95


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=BACKENDS, help="measure this backend here (default: each in a subprocess)")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="the driver's backends, comma-separated")
    parser.add_argument("--recipes", default=",".join(CORE))
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--steps", type=int, default=100, help="timed generator steps per round")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps before each window")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="config override")
    parser.add_argument("--skip-xla", action="store_true")
    return parser.parse_args(argv)


def main():
    args = parse_args()
    if args.backend is None:
        drive(args)
    else:
        os.environ["KERAS_BACKEND"] = args.backend
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        print(json.dumps(measure_backend(args)))


def drive(args):
    from timing import median, run_child

    print(f"{'backend':10s} {'recipe':10s} {'fit img/s':>10s} {'loop img/s':>11s} {'ratio':>6s}  target >= {TARGET}")
    for backend in args.backends.split(","):
        result = run_child(__file__, [*child_args(args), "--backend", backend])
        for recipe, runs in result["recipes"].items():
            ours, base = median(runs["fit"]), median(runs["loop"])
            verdict = "ok" if ours / base >= TARGET else "BELOW"
            print(f"{backend:10s} {recipe:10s} {ours:10.1f} {base:11.1f} {ours / base:6.2f}  {verdict}", flush=True)
        if result.get("xla"):
            xla = {jit: median(values) for jit, values in result["xla"].items()}
            print(f"{backend:10s} dcgan train_step without XLA: {xla['false']:.1f} img/s; with XLA: "
                  f"{xla['true']:.1f} img/s; XLA/no-XLA = {xla['true'] / xla['false']:.2f}", flush=True)


def child_args(args) -> list:
    settings = [item for value in args.set for item in ("--set", value)]
    return ["--recipes", args.recipes, "--dataset", args.dataset, "--steps", str(args.steps), "--warmup",
            str(args.warmup), "--rounds", str(args.rounds), *settings, *(["--skip-xla"] if args.skip_xla else [])]


def measure_backend(args) -> dict:
    from keras_gans.config import parse_assignments

    overrides = parse_assignments(args.set)
    result = {"backend": args.backend, "recipes": {}}
    for recipe in args.recipes.split(","):
        result["recipes"][recipe] = measure_recipe(recipe, args, overrides)
        print(f"{recipe}: {result['recipes'][recipe]}", file=sys.stderr, flush=True)
    if args.backend == "tensorflow" and not args.skip_xla:
        result["xla"] = measure_xla(args, overrides)
    return result


def measure_recipe(recipe, args, overrides) -> dict:
    """{"fit": [img/s per round], "loop": [...]}, rounds interleaved."""
    from hand_written import hand_written_step

    from keras_gans.assembly import build_gan
    from keras_gans.config import load_recipe
    from keras_gans.data import load_dataset

    config = load_recipe(recipe, **overrides).validate()
    data = load_dataset(args.dataset, batch_size=config.batch_size * config.d_steps,
                        image_size=config.image_size, seed=0)
    networks = build_gan(config, data.image_shape, data.num_classes)  # fresh, same architecture
    step = hand_written_step(config, networks.generator, networks.discriminator, data.image_shape)
    batches = _images(data.dataset)
    runs = {"fit": [], "loop": []}
    for _ in range(args.rounds):
        runs["fit"].append(fit_images_per_second(recipe, args, overrides, config.batch_size))
        runs["loop"].append(loop_images_per_second(step, batches, args, config.batch_size))
    return runs


def fit_images_per_second(recipe, args, overrides, batch_size) -> float:
    import keras_gans
    from timing import StepWindow, step_window_callback

    window = StepWindow(args.warmup, args.steps)
    with tempfile.TemporaryDirectory() as folder:
        keras_gans.fit(recipe, dataset=args.dataset, steps=args.warmup + args.steps, seed=0,
                       run_dir=Path(folder) / "run", verbose=0, callbacks=[step_window_callback(window)],
                       **overrides)
    return window.per_second(batch_size)


def loop_images_per_second(step, batches, args, batch_size) -> float:
    from timing import StepWindow

    window = StepWindow(args.warmup, args.steps)
    while not window.done:
        window.tick(step(next(batches)))
    return window.per_second(batch_size)


def _images(dataset):
    """The pipeline's image batches as each backend's `fit` receives them: `tf.data` tensors on
    TensorFlow; on JAX numpy arrays (a `BatchStream`, or a `tf.data` pipeline's numpy view)."""
    import keras

    while True:  # the pipeline repeats; restart it if one ever ends
        as_numpy = keras.backend.backend() != "tensorflow" and hasattr(dataset, "as_numpy_iterator")
        for batch in (dataset.as_numpy_iterator() if as_numpy else dataset):
            yield batch[0] if isinstance(batch, (tuple, list)) else batch


def measure_xla(args, overrides) -> dict:
    """Our bare train_step on one fixed batch, without and with XLA, interleaved."""
    import numpy as np
    import tensorflow as tf
    from timing import StepWindow

    from keras_gans.assembly import build_gan
    from keras_gans.config import load_recipe

    config = load_recipe("dcgan", **overrides).validate()
    image_shape = (28, 28, 1)
    batch = tf.constant(np.random.default_rng(0).uniform(-1, 1, (config.batch_size, *image_shape)), tf.float32)
    steps = {jit: tf.function(build_gan(config, image_shape).train_step, jit_compile=jit) for jit in (False, True)}
    results = {"false": [], "true": []}
    for _ in range(args.rounds):
        for jit, step in steps.items():
            window = StepWindow(args.warmup, args.steps)
            while not window.done:
                window.tick(step(batch))
            results[str(jit).lower()].append(window.per_second(config.batch_size))
    return results


if __name__ == "__main__":
    # The checkout's keras_gans, not an installed one: the numbers are this tree's.
    sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
    main()
