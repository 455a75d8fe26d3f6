"""`keras-gans export`: a run folder (or a `.keras` generator) -> export/NAME/VERSION/."""

from __future__ import annotations

import json

from keras_gans.errors import ConfigError


def _export(args) -> int:
    from keras_gans.exporting.run import export

    extra = {"num_classes": args.num_classes} if args.num_classes and str(args.run_dir).endswith(".keras") else {}
    try:
        provenance = json.loads(args.provenance) if args.provenance else None
    except ValueError as err:
        raise ConfigError(f"--provenance must be a JSON object, e.g. '{{\"note\": \"x\"}}': {err}") from None
    try:
        path = export(args.run_dir, name=args.name, base=args.base, version=args.version,
                      checkpoint=args.checkpoint, direction=args.direction,
                      provenance=provenance, **extra)
    except FileExistsError as err:  # an existing version is never overwritten
        raise ConfigError(str(err)) from None
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
    p.add_argument("--checkpoint", default="latest", help='"latest", "best" (lowest FID) or a step')
    p.add_argument("--direction", default="a_to_b", help="CycleGAN: a_to_b or b_to_a")
    p.set_defaults(func=_export)
