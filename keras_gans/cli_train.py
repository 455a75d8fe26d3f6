"""`keras-gans train`, `recipes`, `sample` and `evaluate`."""

from __future__ import annotations

import json
import sys
import textwrap


def register(subparsers):
    train = subparsers.add_parser(
        "train",
        help="train a recipe on a dataset, or resume a run",
        description="Train a recipe on a dataset, e.g. "
        "`keras-gans train dcgan --dataset fashion_mnist --steps 2000 --set batch_size=128`, or continue "
        "a run from its latest checkpoint: `keras-gans train --resume runs/dcgan-fashion_mnist-...`.",
    )
    train.add_argument("recipe", nargs="?", help="recipe name (see `keras-gans recipes`) or a YAML file")
    train.add_argument("--dataset", help="dataset name, image folder, or tfds name (default: the recipe's)")
    train.add_argument("--steps", type=int, help="generator updates in total (default: the recipe's)")
    train.add_argument("--seed", type=int, help="repeatable run on the same machine")
    train.add_argument("--run-dir", help="output folder (default: runs/<recipe>-<dataset>-<time>/)")
    train.add_argument("--resume", metavar="RUN_DIR", help="continue this run from its latest checkpoint")
    train.add_argument("--log-dir", help="TensorBoard folder (default: the run directory)")
    train.add_argument("--sample-every", type=int, help="steps between sample grids (default: the config's)")
    train.add_argument("--distributed", action="store_const", const=True, default=None,
                       help="data parallel on every visible device (MirroredStrategy / DataParallel)")
    train.add_argument("--precision", choices=["float32", "mixed_float16", "mixed_bfloat16", "auto"],
                       help="compute precision (default: the recipe's; auto: bfloat16 where the device computes it "
                            "natively, else float32); variables and exports stay float32")
    train.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="override any config field (repeatable), e.g. --set g_lr=1e-4 --set checkpoint_every=1000",
    )
    train.set_defaults(func=run_train)

    recipes = subparsers.add_parser("recipes", help="list the recipes with the paper each follows")
    recipes.add_argument("name", nargs="?", help="show one recipe's full configuration")
    recipes.set_defaults(func=run_recipes)

    sample = subparsers.add_parser("sample", help="write a grid of samples from a trained run")
    sample.add_argument("run_dir", help="a run folder written by `keras-gans train`")
    sample.add_argument("-n", "--num-samples", type=int, default=64, help="images in the grid (default: 64)")
    sample.add_argument("-o", "--output", default="samples.png", help="PNG file to write (default: samples.png)")
    sample.add_argument("--seed", type=int, default=0, help="seed of the latent draws (default: 0)")
    sample.add_argument("--checkpoint", default="latest", help="latest, best (lowest FID) or a step number")
    sample.set_defaults(func=run_sample)

    evaluate = subparsers.add_parser("evaluate", help="score a trained run with FID, KID, IS, precision/recall")
    evaluate.add_argument("run_dir", help="a run folder written by `keras-gans train`")
    evaluate.add_argument("--metrics", default="fid,kid", help="comma-separated: fid,kid,is,precision_recall")
    evaluate.add_argument("--num-samples", type=int, help="generated (and real) images (default: the run's fid_samples)")
    evaluate.add_argument("--checkpoint", default="latest", help="latest, best or a step number")
    evaluate.add_argument("--dataset", help="reference data (default: the run's dataset)")
    evaluate.set_defaults(func=run_evaluate)


# Config fields the train command also takes as a flag (or, for the recipe, as its argument).
FLAG_FIELDS = ("recipe", "dataset", "steps", "seed", "sample_every", "distributed", "precision")


def run_train(args):
    from keras_gans.callbacks import TrainingDiverged
    from keras_gans.config import parse_assignments
    from keras_gans.errors import ConfigError
    from keras_gans.fitting import fit

    if not args.recipe and not args.resume:
        raise ConfigError("Name a recipe to train (see `keras-gans recipes`) or a run to continue with --resume RUN_DIR.")
    overrides = parse_assignments(args.set)
    for key in FLAG_FIELDS:
        value = getattr(args, key)
        if value is None:
            continue
        if key in overrides and overrides[key] != value:
            raise ConfigError(f"{key} is given twice, {value!r} and --set {key}={overrides[key]!r}; give it once.")
        overrides[key] = value
    try:
        result = fit(run_dir=args.run_dir, resume=args.resume, log_dir=args.log_dir, **overrides)
    except TrainingDiverged as error:
        print(f"keras-gans train: error: {error}", file=sys.stderr)
        return 3
    last = {name: values[-1] for name, values in result.history.history.items()}
    print("final metrics: " + ", ".join(f"{k}={v:.4f}" for k, v in sorted(last.items())))
    print(f"run directory: {result.run_dir}")
    print(f"sample grid:   {result.samples_path}")
    if result.config.tensorboard:
        print(f"tensorboard:   tensorboard --logdir {args.log_dir or result.run_dir}")
    return 0


def run_recipes(args):
    import yaml

    from keras_gans.config import available_recipes, load_recipe

    if args.name:
        print(yaml.safe_dump(load_recipe(args.name).to_dict(), sort_keys=False), end="")
        return 0
    for name in available_recipes():
        config = load_recipe(name)
        print(f"{name:10s} {config.description}")
        print(textwrap.indent(config.paper, " " * 11))
    return 0


def run_sample(args):
    from keras_gans.callbacks.samples import preview_images
    from keras_gans.checkpoints.load import load_run
    from keras_gans.data import load_dataset
    from keras_gans.images import save_image_grid

    run = load_run(args.run_dir, checkpoint=args.checkpoint)
    conditioning = run.model.conditioning
    batch = None
    if conditioning.needs_data_for_preview:
        # Image-to-image runs translate real sources: the first batch of the run's own data.
        data = load_dataset(run.config.dataset, batch_size=args.num_samples, image_size=run.config.image_size,
                            seed=args.seed)
        batch = next(iter(data.dataset))
    images = preview_images(run.model, args.num_samples, args.seed, batch)
    save_image_grid(images, args.output, rows=conditioning.preview_rows(len(images)))
    print(f"{args.output}: {len(images)} images from step {run.step} of {args.run_dir}")
    return 0


def run_evaluate(args):
    from keras_gans.checkpoints.evaluate import evaluate_run

    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    report = evaluate_run(args.run_dir, metrics=metrics, num_samples=args.num_samples,
                          checkpoint=args.checkpoint, dataset=args.dataset)
    print(json.dumps(report, indent=1, default=float))
    return 0
