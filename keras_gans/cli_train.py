"""`keras-gans train` and `keras-gans recipes`."""

from __future__ import annotations

import textwrap


def register(subparsers):
    train = subparsers.add_parser(
        "train",
        help="train a recipe on a dataset",
        description="Train a recipe on a dataset, e.g. "
        "`keras-gans train dcgan --dataset fashion_mnist --steps 2000 --set batch_size=128`.",
    )
    train.add_argument("recipe", help="recipe name (see `keras-gans recipes`) or a YAML file")
    train.add_argument("--dataset", help="dataset name, image folder, or tfds name (default: the recipe's)")
    train.add_argument("--steps", type=int, help="generator updates (default: the recipe's)")
    train.add_argument("--seed", type=int, help="repeatable run on the same machine")
    train.add_argument("--run-dir", help="output folder (default: runs/<recipe>-<dataset>-<time>/)")
    train.add_argument("--sample-every", type=int, default=500, help="steps between sample grids")
    train.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="override any config field (repeatable), e.g. --set g_lr=1e-4 --set regularizers.r1.gamma=5",
    )
    train.set_defaults(func=run_train)

    recipes = subparsers.add_parser("recipes", help="list the recipes with the paper each follows")
    recipes.add_argument("name", nargs="?", help="show one recipe's full configuration")
    recipes.set_defaults(func=run_recipes)


def run_train(args):
    from keras_gans.config import parse_assignments
    from keras_gans.fitting import fit

    overrides = parse_assignments(args.set)
    result = fit(
        args.recipe,
        dataset=args.dataset,
        steps=args.steps,
        seed=args.seed,
        run_dir=args.run_dir,
        sample_every=args.sample_every,
        **overrides,
    )
    last = {name: values[-1] for name, values in result.history.history.items()}
    print("final metrics: " + ", ".join(f"{k}={v:.4f}" for k, v in sorted(last.items())))
    print(f"run directory: {result.run_dir}")
    print(f"sample grid:   {result.samples_path}")
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
