"""Sample quality per minute of training: each core recipe and r3gan on fashion_mnist, scored at
fixed wall-clock budgets.

Every recipe trains with its own defaults (what a new user gets) for the given budgets of
training wall-clock on this machine: compilation counts, evaluation does not (the clock stops
while a checkpoint is scored). At each budget the sampler (the EMA generator where the recipe
keeps one, with its own batch-norm statistics recomputed) draws `--samples` images from a fixed
latent seed, clipped to [-1, 1], which are scored with FID against the same number of real test
images. The extractor is the standard FID network (`--extractor inception_2015`, the 2015 TTUR
Inception), so the numbers compare with papers; `--extractor fashion_mnist` gives the project's
classifier distance instead, comparable only with itself and its floor.

    python benchmarks/quality.py [--recipes dcgan,r3gan] [--minutes 3,15,30] [--samples 10000]
                                 [--seed 0] [--out-dir docs] [--again]

writes `quality.md` (the table), `images/quality.png` (FID against minutes) and `quality.json`
(every result, with a fingerprint of the recipe defaults it was measured under) in `--out-dir`.
A recipe is trained again only for budgets it has no result at under its current defaults; its
table row can then join budgets of two runs of the same defaults. On the shared 2-core CPU each
recipe costs its longest budget of training plus ~11 minutes per 10,000-sample evaluation (about
63 minutes at 3, 15 and 30 minutes).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from keras_gans.checkpoints.evaluate import reference_statistics  # noqa: E402
from keras_gans.config import load_recipe  # noqa: E402
from keras_gans.data import load_dataset  # noqa: E402
from keras_gans.assembly import build_gan  # noqa: E402
from keras_gans.data.streams import fit_input  # noqa: E402
from keras_gans.metrics import evaluate_generator, get_extractor  # noqa: E402

RECIPES = ["gan", "dcgan", "wgan", "wgan_gp", "lsgan", "sngan", "r1", "r3gan"]


class StopAtTrainingTime(keras.callbacks.Callback):
    """Stops `fit` once the training time summed over calls reaches `budget_s`."""

    def __init__(self, budget_s, spent_s):
        super().__init__()
        self.budget_s, self.spent_s = budget_s, spent_s

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self.spent_s + time.perf_counter() - self.started >= self.budget_s:
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.spent_s += time.perf_counter() - self.started


def clipped_sampler(model):
    sampler = model.prepare_sampler(seed=0)  # an EMA generator gets batch-norm statistics of its own

    def generate(z):
        return keras.ops.clip(sampler(z, training=False), -1.0, 1.0)

    return generate


def score(model, config, real, extractor, samples, seed):
    report = evaluate_generator(clipped_sampler(model), real, metrics=["fid"], num_samples=samples,
                                extractor=extractor, latent_dim=config.latent_dim, seed=seed)
    return report["fid"]


def train_recipe(recipe, budgets_min, samples, seed, extractor, real, dataset, on_row=None):
    """[(minutes, steps, FID, floor)] at each budget for one recipe."""
    config = load_recipe(recipe, seed=seed, dataset=dataset).validate()
    keras.utils.set_random_seed(seed)
    data = load_dataset(config.dataset, batch_size=config.batch_size * config.d_steps, seed=seed)
    model = build_gan(config, data.image_shape, data.num_classes)
    clock = StopAtTrainingTime(0.0, 0.0)
    rows = []
    for minutes in budgets_min:
        clock.budget_s = minutes * 60.0
        # Many short epochs: the callback is checked after every step and fit returns at once.
        model.fit(fit_input(data.dataset), steps_per_epoch=10**6, epochs=1, verbose=0, callbacks=[clock],
                  shuffle=False)
        fid = score(model, config, real, extractor, samples, seed)
        steps = int(keras.ops.convert_to_numpy(model.step))
        rows.append((minutes, steps, fid["value"], fid.get("floor")))
        if on_row is not None:
            on_row(rows)
        print(f"{recipe:8s} {minutes:6.2f} min  {steps:6d} steps  FID {fid['value']:8.2f}  "
              f"(floor {fid.get('floor', float('nan')):.2f})", flush=True)
    return rows


def write_table(results, samples, seed, extractor_name, path):
    budgets = sorted({minutes for rows in results.values() for minutes, *_ in rows})
    floors = [floor for rows in results.values() for *_, floor in rows if floor is not None]
    lines = [
        f"FID ({extractor_name} features, {samples} samples vs {samples} real test images, seed {seed}) "
        f"after minutes of training on this machine; real-data floor {np.mean(floors):.2f} (two disjoint "
        f"halves of the real sample, {samples // 2} images each).",
        "",
        "| recipe | " + " | ".join(f"{m:g} min (steps)" for m in budgets) + " |",
        "|---|" + "---|" * len(budgets),
    ]
    for recipe, rows in results.items():
        cells = {minutes: f"{fid:.2f} ({steps})" for minutes, steps, fid, _ in rows}
        lines.append(f"| `{recipe}` | " + " | ".join(cells.get(m, "") for m in budgets) + " |")
    text = "\n".join(lines) + "\n"
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    print(text)


def plot(results, floor, extractor_name, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4))
    for recipe, rows in results.items():
        axes.plot([r[0] for r in rows], [r[2] for r in rows], marker="o", label=recipe)
    if floor is not None:
        axes.axhline(floor, color="grey", linestyle="--", label="real-data floor")
    axes.set_xlabel("minutes of training")
    axes.set_ylabel(f"FID ({extractor_name})")
    axes.set_yscale("log")
    axes.set_title("fashion_mnist: sample quality per minute of CPU training")
    axes.legend(fontsize=8)
    figure.tight_layout()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    figure.savefig(path, dpi=120)
    print(f"plot: {path}")


# Options added after results were stored, at the value that reproduces what was measured before
# them: left out of the fingerprint at that value, so that a new option alone does not make every
# stored result stale, while a recipe that sets it to anything else is measured again.
ADDED_OPTIONS = {"maxout_pieces": 1}


def recipe_settings(recipe, dataset):
    """A fingerprint of the recipe's defaults: a result measured under other defaults is stale."""
    config = load_recipe(recipe, seed=0, dataset=dataset).to_dict()
    config = {k: v for k, v in config.items() if not (k in ADDED_OPTIONS and v == ADDED_OPTIONS[k])}
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _read(path):
    if not os.path.isfile(path):
        return {}
    with open(path) as f:
        return json.load(f)


def load_results(path, key, settings):
    """{recipe: rows} measured before under the same benchmark settings (`key`: data, extractor,
    samples, seed) and the same recipe defaults (`settings`: {recipe: fingerprint}); results of
    since-changed defaults are left out."""
    stored = _read(path).get("runs", {}).get(key, {})
    results = {}
    for recipe, entry in stored.items():
        if recipe not in settings:
            continue
        if entry.get("settings") == settings[recipe]:
            results[recipe] = [tuple(r) for r in entry["rows"]]
        else:
            print(f"{recipe}: its defaults changed since it was measured ({entry.get('settings')} -> "
                  f"{settings[recipe]}); measuring it again", flush=True)
    return results


def save_results(path, key, results, settings):
    """Writes `results` under `key`. Nothing measured is dropped: an entry of other recipe defaults
    moves to "superseded", and so do rows of the same defaults that a new run measured again."""
    stored = _read(path)
    runs = stored.setdefault("runs", {}).setdefault(key, {})
    for recipe, rows in results.items():
        rows = [list(r) for r in rows]
        previous = runs.get(recipe)
        if previous is not None and previous.get("settings") != settings[recipe]:
            stored.setdefault("superseded", []).append({"key": key, "recipe": recipe, **previous})
        elif previous is not None:
            budgets = {row[0] for row in rows}
            remeasured = [row for row in previous["rows"] if row[0] in budgets and row not in rows]
            if remeasured:
                stored.setdefault("superseded", []).append({
                    "key": key, "recipe": recipe, "settings": previous["settings"], "rows": remeasured,
                    "defaults": "the same defaults, an earlier run (measured again)"})
        runs[recipe] = {"settings": settings[recipe], "rows": rows}
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(stored, f, indent=1)
    os.replace(path + ".tmp", path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", default=",".join(RECIPES))
    parser.add_argument("--minutes", default="3,15,30", help="training budgets, comma-separated")
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dataset", default="fashion_mnist")
    parser.add_argument("--extractor", default="inception_2015", help="feature extractor registry name")
    parser.add_argument("--out-dir", default="docs")
    parser.add_argument("--again", action="store_true",
                        help="measure budgets already stored again (the CPU's speed drifts between runs); "
                             "the earlier rows stay in quality.json under superseded")
    args = parser.parse_args(argv)
    budgets = sorted(float(m) for m in args.minutes.split(","))
    key = f"{args.dataset} {args.extractor} samples={args.samples} seed={args.seed}"
    store = os.path.join(args.out_dir, "quality.json")
    recipes = args.recipes.split(",")
    settings = {recipe: recipe_settings(recipe, args.dataset) for recipe in dict.fromkeys(RECIPES + recipes)}
    results = load_results(store, key, settings)
    extractor = get_extractor(args.extractor)
    real = reference_statistics(args.dataset, extractor, args.samples)
    for recipe in recipes:
        earlier = {row[0]: row for row in results.get(recipe, [])}
        if set(budgets) <= set(earlier) and not args.again:
            print(f"{recipe}: measured before ({store}), kept", flush=True)
            continue

        def keep(rows, recipe=recipe, earlier=earlier):
            # This run's rows replace those at its budgets; others measured before stay.
            merged = {**earlier, **{row[0]: row for row in rows}}
            results[recipe] = [merged[m] for m in sorted(merged)]
            save_results(store, key, results, settings)

        train_recipe(recipe, budgets, args.samples, args.seed, extractor, real, args.dataset, on_row=keep)
    write_table(results, args.samples, args.seed, extractor.name, os.path.join(args.out_dir, "quality.md"))
    floors = [floor for rows in results.values() for *_, floor in rows if floor is not None]
    plot(results, np.mean(floors) if floors else None, extractor.name,
         os.path.join(args.out_dir, "images", "quality.png"))


if __name__ == "__main__":
    main()
