"""Images/second the input pipeline delivers alone, next to what the train step consumes.

For each dataset: the pipeline is timed on its own (after one warm-up epoch, so the decoded-image
cache is filled as it is for every epoch but the first), and the recipe's train step is timed
through `model.fit` on one batch held on the device, so no input work is in its figure. The two
are measured in alternating rounds in one process; `headroom` = pipeline / step is what matters:
above 1 the step never waits for data. celeb_a runs under `tfds.testing.mock_data` (random images
of CelebA's 218x178 size, centre-cropped to 140 and resized to 64 like the real set).

    python benchmarks/input_pipeline.py [--datasets fashion_mnist,celeb_a] [--recipe dcgan]
        [--batch-size 64] [--batches 40] [--steps 10] [--rounds 3] [--mock-examples 2048]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gans.config import load_recipe  # noqa: E402
from keras_gans.data import load_dataset  # noqa: E402
from keras_gans.fitting import build_gan  # noqa: E402


def pipeline_rate(iterator, batches, batch_size) -> float:
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)


def same_batch(batch):
    """One batch, endlessly, at no input cost: the step alone is timed."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        return tf.data.Dataset.from_tensors(batch).repeat()

    def forever():
        while True:
            yield (batch,)

    return forever()


def step_rate(model, batch, steps, batch_size) -> float:
    model.fit(same_batch(batch), steps_per_epoch=1, epochs=1, verbose=0)  # compiles
    start = time.perf_counter()
    model.fit(same_batch(batch), steps_per_epoch=steps, epochs=1, verbose=0)
    return steps * batch_size / (time.perf_counter() - start)


def source(name, mock_examples):
    if name != "celeb_a":
        return contextlib.nullcontext()
    import tensorflow_datasets as tfds

    return tfds.testing.mock_data(num_examples=mock_examples)


def measure(name, args):
    config = load_recipe(args.recipe, batch_size=args.batch_size, seed=0).validate()
    rows = config.batch_size * config.d_steps
    with source(name, args.mock_examples):
        data = load_dataset(name, batch_size=rows, seed=0).without_labels()
        iterator = iter(data.dataset)
        warm_up = max(1, (data.num_examples or rows) // rows)
        pipeline_rate(iterator, warm_up, rows)
        model = build_gan(config, data.image_shape)
        batch = keras.ops.convert_to_tensor(np.asarray(next(iterator)))
        pipeline, step = [], []
        for _ in range(args.rounds):
            pipeline.append(pipeline_rate(iterator, args.batches, rows))
            step.append(step_rate(model, batch, args.steps, rows))
    return statistics.median(pipeline), statistics.median(step), data.image_shape


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", default="fashion_mnist,celeb_a")
    parser.add_argument("--recipe", default="dcgan")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=40, help="batches per pipeline timing")
    parser.add_argument("--steps", type=int, default=10, help="train steps per step timing")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--mock-examples", type=int, default=2048, help="celeb_a mock split size")
    args = parser.parse_args(argv)
    print(f"backend {keras.backend.backend()}, recipe {args.recipe}, batch {args.batch_size}, "
          f"{args.rounds} interleaved rounds (medians)")
    print(f"{'dataset':<16}{'image':<12}{'pipeline img/s':>16}{'step img/s':>14}{'headroom':>10}")
    for name in args.datasets.split(","):
        pipeline, step, shape = measure(name, args)
        image = "x".join(map(str, shape))
        print(f"{name:<16}{image:<12}{pipeline:>16.0f}{step:>14.0f}{pipeline / step:>9.1f}x")


if __name__ == "__main__":
    main()
