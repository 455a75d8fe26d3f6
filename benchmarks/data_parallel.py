"""Step time of our trainer on 1 and on 2 logical devices of this CPU, per backend.

The devices are split out of the one CPU (TensorFlow: `set_logical_device_configuration`,
MirroredStrategy; JAX: `--xla_force_host_platform_device_count`, DataParallel), so no speed-up is
expected on a 2-core machine: the ratio shows what distribution costs (replica bookkeeping,
cross-replica reductions, synchronized batch norm). Each (backend, devices) run is its own
process, since the device count is fixed before the backend starts; runs are interleaved
(1, 2, 1, 2, ...) and the printed step times are medians. Same recipe, global batch and data in
every run; `keras_gans.backend.data_parallel()` distributes exactly as `fit(distributed=True)` does.

    python benchmarks/data_parallel.py [--recipes dcgan,wgan_gp] [--steps 30] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

BACKENDS = ("tensorflow", "jax")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--recipes", default="dcgan,wgan_gp")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="config override (default batch_size=64, widths 32)")
    parser.add_argument("--worker", nargs=3, metavar=("BACKEND", "DEVICES", "RECIPE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main():
    args = parse_args()
    if args.worker:
        backend, devices, recipe = args.worker
        print(json.dumps(time_steps(backend, int(devices), recipe, args)))
    else:
        drive(args)


def drive(args):
    from timing import median, run_child

    settings = [item for value in args.set for item in ("--set", value)]
    common = ["--steps", str(args.steps), "--warmup", str(args.warmup), *settings]
    print(f"{'backend':10s} {'recipe':8s} {'replicas':>8s} {'1 device ms':>12s} {'2 devices ms':>13s} {'2/1':>6s}")
    for backend in args.backends.split(","):
        for recipe in args.recipes.split(","):
            times = {1: [], 2: []}
            replicas = {}
            for _ in range(args.rounds):
                for devices in (1, 2):
                    run = run_child(__file__, [*common, "--worker", backend, str(devices), recipe])
                    times[devices].append(run["step_ms"])
                    replicas[devices] = run["replicas"]
            one, two = median(times[1]), median(times[2])
            print(f"{backend:10s} {recipe:8s} {replicas[1]:>4d}/{replicas[2]:<3d} {one:12.1f} {two:13.1f} "
                  f"{two / one:6.2f}", flush=True)


def time_steps(backend_name, devices, recipe, args) -> dict:
    """ms per step of the trainer's `fit` over `args.steps` steps after `args.warmup`, in this process."""
    os.environ["KERAS_BACKEND"] = backend_name
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if backend_name == "jax":
        os.environ["XLA_FLAGS"] = f"--xla_force_host_platform_device_count={devices}"
        os.environ["JAX_PLATFORMS"] = "cpu"
    else:
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * devices)
    import numpy as np
    from timing import StepWindow, step_window_callback

    from keras_gans import backend
    from keras_gans.assembly import build_gan
    from keras_gans.config import load_recipe, parse_assignments

    # XLA under MirroredStrategy fails on replica variables ("Trying to access resource ... located
    # in device CPU:1 from device CPU:0"), so TensorFlow runs without it, as the data-parallel tests do.
    overrides = {"batch_size": 64, "generator_width": 32, "discriminator_width": 32,
                 "jit_compile": backend_name == "jax", **parse_assignments(args.set)}
    config = load_recipe(recipe, seed=0, **overrides).validate()
    batch = config.batch_size * config.d_steps
    steps = args.warmup + args.steps
    images = np.random.default_rng(0).uniform(-1, 1, (batch * steps, 28, 28, 1)).astype("float32")
    window = StepWindow(args.warmup, args.steps)
    with backend.data_parallel():
        model = build_gan(config, (28, 28, 1))
        replicas = backend.replicas()
        if backend_name == "tensorflow":
            import tensorflow as tf

            data = tf.data.Dataset.from_tensor_slices(images).batch(batch, drop_remainder=True)
            model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=[step_window_callback(window)])
        else:
            model.fit(images, batch_size=batch, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False,
                      callbacks=[step_window_callback(window)])
    return {"replicas": replicas, "step_ms": 1000 * window.seconds / args.steps}


if __name__ == "__main__":
    # The checkout's keras_gans, not an installed one: the numbers are this tree's.
    sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
    main()
