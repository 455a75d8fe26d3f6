"""`keras-gans export`: the CLI seam for exporting a run's generator."""

from __future__ import annotations

import json


def load_source(path: str):
    """(generator, info) for what `keras-gans export` was given.

    THE SEAM for RUN_DIR: once checkpoints exist, this loads the run's (EMA) generator and fills
    `info` with "latent_dim", "num_classes" and "provenance" (recipe, dataset, step, metrics).
    Until then it accepts a saved Keras generator (`.keras` file).
    """
    import keras

    if str(path).endswith(".keras"):
        return keras.saving.load_model(path, compile=False), {}
    raise SystemExit(
        f"Cannot export {path}: reading training runs needs keras_gans checkpoints; "
        "pass a saved generator (.keras file) for now."
    )


def _export(args) -> int:
    from keras_gans.exporting.saved_model import export_generator

    generator, info = load_source(args.run_dir)
    provenance = dict(info.get("provenance", {}))
    if args.provenance:
        provenance.update(json.loads(args.provenance))
    path = export_generator(
        generator,
        name=args.name,
        base=args.base,
        version=args.version,
        latent_dim=info.get("latent_dim"),
        num_classes=info.get("num_classes", args.num_classes),
        provenance=provenance,
    )
    print(path)
    return 0


def register(subparsers) -> None:
    """Adds `keras-gans export`."""
    p = subparsers.add_parser("export", help="write a generator as a TF Serving SavedModel")
    p.add_argument("run_dir", help="training run folder (or a saved generator .keras file)")
    p.add_argument("--name", required=True, help="model name: export/NAME/VERSION/")
    p.add_argument("--base", default="export", help="export folder (default: export)")
    p.add_argument("--version", type=int, default=None, help="default: next free integer")
    p.add_argument("--num-classes", type=int, default=None,
                   help="for conditional generators given as .keras files")
    p.add_argument("--provenance", default=None, help="extra provenance as a JSON object")
    p.set_defaults(func=_export)
