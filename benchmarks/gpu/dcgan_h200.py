"""DCGAN at 64x64 on one GPU: our trainer against a torch.compile'd PyTorch loop, and fit itself.

Times, on synthetic data at batch 256:
  - our trainer's train step on Keras's JAX backend (`jax.jit` of `GAN.train_step` over its
    explicit state, as Keras's JAX `fit` compiles it), float32 and mixed bfloat16;
  - the same networks and step in PyTorch (`torch_dcgan.py`), float32 and bfloat16 autocast;
  - `keras_gans.fit("dcgan", dataset=<uint8 numpy array>, precision="mixed_bfloat16")`, pipeline
    and callbacks at their default intervals included. A fit that fails (say it still needs
    TensorFlow, which the GPU machine lacks) is reported as such and the other rows stand.
Step rows are interleaved over rounds (keras f32, keras bf16, torch f32, torch bf16, ...); each
number is the median. Targets (H100/H200): >= 60,000 img/s in bfloat16 and >= 1.0x PyTorch.

    python benchmarks/gpu/dcgan_h200.py                 # on the GPU machine (benchmarks/gpu/run.sh)
    python benchmarks/gpu/dcgan_h200.py --dry-run       # tiny, on this CPU, TensorFlow hidden
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

TARGET_IMAGES_PER_SECOND = 60_000
TARGET_RATIO = 1.0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dry-run", action="store_true",
                        help="CPU, batch 4 of 16x16, width 8, 2 timed steps; TensorFlow made unimportable")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--image-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=64, help="generator_width and discriminator_width")
    parser.add_argument("--latent-dim", type=int, default=100)
    parser.add_argument("--steps", type=int, default=100, help="timed steps per window")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--fit-steps", type=int, default=500,
                        help="timed fit steps (500 covers one sample grid and one checkpoint)")
    parser.add_argument("--torch-mode", default="default", help="torch.compile mode")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)
    if args.dry_run:
        args.batch_size, args.image_size, args.width, args.latent_dim = 4, 16, 8, 8
        args.steps, args.warmup, args.rounds, args.fit_steps = 2, 3, 1, 3
    return args


def hide_tensorflow():
    """Makes `import tensorflow` fail as on the GPU machine, where it is not installed (a None
    in sys.modules: the import raises ModuleNotFoundError and `find_spec` answers None)."""
    for name in ("tensorflow", "tensorflow_datasets"):
        sys.modules[name] = None


def keras_step(args, bfloat16):
    """(step, sync) for our trainer's train step, jitted over its explicit state."""
    import jax
    import keras

    from keras_gans.assembly import build_gan

    config = dcgan_config(args, bfloat16)
    keras.config.set_dtype_policy(config.precision)  # networks take the policy when built
    try:
        model = build_gan(config, (args.image_size, args.image_size, 3))
    finally:
        keras.config.set_dtype_policy("float32")
    groups = (model.trainable_variables, model.non_trainable_variables, model.optimizer.variables,
              model.metrics_variables)
    state = [tuple([v.value for v in variables] for variables in groups)]
    train_step = jax.jit(model.train_step, donate_argnums=0)  # what Keras's JAX fit compiles
    shape = (args.batch_size, args.image_size, args.image_size, 3)
    images = jax.random.uniform(jax.random.key(0), shape, minval=-1.0, maxval=1.0)  # as the pipeline yields

    def step():
        logs, state[0] = train_step(state[0], images)
        return logs

    return step, jax.block_until_ready


def dcgan_config(args, bfloat16):
    from keras_gans.config import load_recipe

    return load_recipe("dcgan", batch_size=args.batch_size, generator_width=args.width,
                       discriminator_width=args.width, latent_dim=args.latent_dim, seed=0,
                       precision="mixed_bfloat16" if bfloat16 else "float32").validate()


def torch_device(args):
    import torch

    return torch.device("cuda" if torch.cuda.is_available() and not args.dry_run else "cpu")


def step_rows(args) -> list:
    """Interleaved windows of every step variant; one row per variant with its median img/s."""
    from timing import StepWindow, median
    from torch_dcgan import torch_step

    device = torch_device(args)
    image_shape = (args.image_size, args.image_size, 3)
    variants = {}
    for bfloat16 in (False, True):
        precision = "bfloat16" if bfloat16 else "float32"
        variants[("keras_gans train step (JAX)", precision)] = keras_step(args, bfloat16)
        variants[("torch.compile loop", precision)] = torch_step(
            args.batch_size, image_shape, args.latent_dim, args.width, bfloat16, device, args.torch_mode)
    measured = {key: [] for key in variants}
    for round_index in range(args.rounds):
        for key, (step, sync) in variants.items():
            window = StepWindow(args.warmup, args.steps, sync=sync)
            while not window.done:
                window.tick(step())
            measured[key].append(window.per_second(args.batch_size))
            print(f"round {round_index + 1}: {key[0]} {key[1]}: {measured[key][-1]:.0f} img/s",
                  file=sys.stderr, flush=True)
    return [{"run": run, "precision": precision, "img_s": median(values), "rounds": values}
            for (run, precision), values in measured.items()]


def fit_row(args) -> dict:
    """One `keras_gans.fit` run in mixed bfloat16 on a uint8 array; its failure becomes the row."""
    row = {"run": "keras_gans.fit (JAX)", "precision": "mixed_bfloat16"}
    try:
        import numpy as np

        import keras_gans
        from timing import StepWindow, step_window_callback

        count = args.batch_size * 16
        images = np.random.default_rng(0).integers(0, 256, (count, args.image_size, args.image_size, 3), "uint8")
        window = StepWindow(args.warmup, args.fit_steps)
        with tempfile.TemporaryDirectory() as folder:
            result = keras_gans.fit("dcgan", dataset=images, steps=args.warmup + args.fit_steps, seed=0,
                                    run_dir=Path(folder) / "run", verbose=0, callbacks=[step_window_callback(window)],
                                    batch_size=args.batch_size, generator_width=args.width,
                                    discriminator_width=args.width, latent_dim=args.latent_dim,
                                    precision="mixed_bfloat16")
        row["img_s"] = window.per_second(args.batch_size)
        row["policy"] = result.model.generator.dtype_policy.name
    except Exception as error:  # noqa: BLE001 - any failure is this row's result, not the script's
        row["error"] = f"{type(error).__name__}: {error}".splitlines()[0][:200]
        traceback.print_exc(file=sys.stderr)
    return row


def print_table(rows, args):
    torch_rate = {row["precision"]: row["img_s"] for row in rows if row["run"] == "torch.compile loop"}
    print(f"\nDCGAN {args.image_size}x{args.image_size}, batch {args.batch_size}, width {args.width}; "
          f"median of {args.rounds} rounds of {args.steps} steps; targets: bfloat16 >= "
          f"{TARGET_IMAGES_PER_SECOND:,} img/s and >= {TARGET_RATIO:.1f}x PyTorch")
    print(f"{'run':30s} {'precision':15s} {'img/s':>10s} {'vs PyTorch':>11s}  note")
    for row in rows:
        if "error" in row:
            print(f"{row['run']:30s} {row['precision']:15s} {'-':>10s} {'-':>11s}  FAILED: {row['error']}")
            continue
        reference = torch_rate.get("bfloat16" if "bfloat16" in row["precision"] else "float32")
        ratio = row["img_s"] / reference if reference else float("nan")
        note = f"policy {row['policy']}" if "policy" in row else ""
        if "bfloat16" in row["precision"] and row["run"] != "torch.compile loop":
            met = row["img_s"] >= TARGET_IMAGES_PER_SECOND and ratio >= TARGET_RATIO
            note = f"{note} {'targets met' if met else 'BELOW target'}".strip()
        print(f"{row['run']:30s} {row['precision']:15s} {row['img_s']:10.0f} {ratio:10.2f}x  {note}")


def describe_machine() -> dict:
    import jax
    import keras
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    return {"jax": jax.__version__, "jax_devices": [str(d) for d in jax.devices()], "keras": keras.__version__,
            "torch": torch.__version__, "torch_gpu": gpu}


def main():
    args = parse_args()
    os.environ["KERAS_BACKEND"] = "jax"
    # JAX takes 75% of the GPU by default; leave PyTorch its share.
    os.environ.setdefault("XLA_PYTHON_CLIENT_MEM_FRACTION", "0.45")
    if args.dry_run:
        os.environ["JAX_PLATFORMS"] = "cpu"
        # Inductor's OpenMP kernels spin-wait: on a busy shared CPU one thread runs ~100x faster.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        hide_tensorflow()
    machine = describe_machine()
    print(json.dumps(machine), flush=True)
    rows = step_rows(args)
    rows.append(fit_row(args))
    print_table(rows, args)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine, "args": vars(args), "rows": rows}, indent=1))


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    # The checkout's keras_gans and the shared timing helpers.
    sys.path[1:1] = [str(here.parents[1]), str(here.parent)]
    main()
