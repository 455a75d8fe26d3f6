"""Load test of the local TF-Serving-compatible server (not a test: it prints figures).

    .venv/bin/python benchmarks/serving_loadtest.py [--concurrency 8] [--duration 20]

Exports a small DCGAN-shaped generator (latent 64 -> 28x28x1, untrained: serving cost does not
depend on the weights), serves it with `keras-gans serve`'s server on an ephemeral port, and runs
`keras-gans loadtest` against both signatures. Pass --url/--model to measure a running server
(TF Serving included) instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from dataclasses import asdict

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras is imported)


def small_generator(latent_dim: int = 64):
    import keras

    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input((latent_dim,)),
        keras.layers.Dense(7 * 7 * 64, activation="relu"),
        keras.layers.Reshape((7, 7, 64)),
        keras.layers.Conv2DTranspose(32, 4, strides=2, padding="same", activation="relu"),
        keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh"),
    ])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--url", default=None, help="measure this server instead")
    parser.add_argument("--model", default="bench")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from keras_gans.serving.loadtest import SIGNATURES, run_loadtest

    def measure(url: str) -> list:
        results = []
        for signature in SIGNATURES:
            result = run_loadtest(url, args.model, concurrency=args.concurrency,
                                  duration=args.duration, batch_size=args.batch_size,
                                  signature=signature)
            results.append(result)
            if not args.json:
                print(result.summary(), flush=True)
        return results

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}", flush=True)
    if args.url:
        results = measure(args.url)
    else:
        from keras_gans.exporting import export_generator
        from keras_gans.serving.server import LocalServer

        with tempfile.TemporaryDirectory() as base:
            export_generator(small_generator(), name=args.model, base=base)
            with LocalServer(base, port=0) as server:
                print(f"# local server {server.url}, model {args.model}", flush=True)
                results = measure(server.url)
    if args.json:
        print(json.dumps([asdict(r) for r in results], indent=2))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
