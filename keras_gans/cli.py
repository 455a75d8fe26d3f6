"""`keras-gans`: the command line. Feature modules add their subcommands through `register`."""

from __future__ import annotations

import argparse
import importlib
import sys

from keras_gans.errors import ConfigError, DataError

# Modules that contribute subcommands through a `register(subparsers)` function. They import
# TensorFlow only inside their commands, so `keras-gans --help` answers at once.
COMMAND_MODULES = (
    "keras_gans.cli_train",
    "keras_gans.cli_fid",
    "keras_gans.exporting.cli",
    "keras_gans.exporting.serving_config",
    "keras_gans.serving.server",
    "keras_gans.serving.client",
    "keras_gans.serving.loadtest",
    "keras_gans.labs.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="keras-gans",
        description="Train, evaluate, export and serve GANs with Keras.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result = args.func(args)
    except (ConfigError, DataError) as error:
        print(f"keras-gans {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as error:
        # A `TrainingInterrupted` says where the last checkpoint is; a bare Ctrl-C says nothing.
        print(f"keras-gans {args.command}: interrupted" + (f". {error}" if str(error) else ""), file=sys.stderr)
        return 130
    except OSError as error:
        # Files that vanish, folders that turn read-only, disks that fill: a message, not a traceback.
        print(f"keras-gans {args.command}: error: {error}", file=sys.stderr)
        return 1
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
