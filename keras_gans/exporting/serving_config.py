"""`models.config` for TF Serving, written from what is on disk under an export folder.

    keras-gans serving-config export/ [-o export/models.config] [--model-root /models]

TF Serving opens no port until every model its config names has loaded, so a config naming a
model that was never exported makes `docker compose up` wait forever. This file is therefore
derived from the folders: one `config` per `NAME/` holding at least one numeric version with a
`saved_model.pb`, and labels only for versions that exist. Every export rewrites
`EXPORT_BASE/models.config` this way.

Per model: `latest { num_versions: 3 }`, `canary` -> the newest version and `stable` -> the one
before it (with one version, `stable` alone). Why three: TF Serving loads a new version folder
within `--file_system_poll_wait_seconds` but re-reads labels only every
`--model_config_file_poll_wait_seconds`. Keeping one version beyond the two labelled ones means
the old `stable` is still loaded in that window, and when the labels move, both point at
versions that are already AVAILABLE (server_core.cc refuses to move a label to a version that is
not).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from keras_gans.errors import ConfigError

CONFIG_FILENAME = "models.config"
MODEL_ROOT = "/models"  # where docker-compose.yml mounts the export folder
VERSIONS_KEPT = 3


def exported_models(base) -> dict[str, list[int]]:
    """{model name: sorted versions} for every `base/NAME/VERSION/saved_model.pb`."""
    base = Path(base)
    models = {}
    if not base.is_dir():
        return models
    for model_dir in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        versions = sorted(int(v.name) for v in model_dir.iterdir()
                          if v.is_dir() and v.name.isdigit() and (v / "saved_model.pb").is_file())
        if versions:
            models[model_dir.name] = versions
    return models


def version_labels(versions: list[int]) -> dict[str, int]:
    if len(versions) == 1:
        return {"stable": versions[-1]}
    return {"stable": versions[-2], "canary": versions[-1]}


def serving_config_text(base, model_root: str = MODEL_ROOT) -> str:
    """The ModelServerConfig text proto for the models under `base`, built with the real proto."""
    from google.protobuf import text_format

    from keras_gans.exporting.warmup import require_tf_serving_api

    require_tf_serving_api()
    from tensorflow_serving.config import model_server_config_pb2

    models = exported_models(base)
    config = model_server_config_pb2.ModelServerConfig()
    for name, versions in models.items():
        entry = config.model_config_list.config.add(
            name=name, base_path=f"{model_root.rstrip('/')}/{name}", model_platform="tensorflow")
        entry.model_version_policy.latest.num_versions = VERSIONS_KEPT
        for label, version in version_labels(versions).items():
            entry.version_labels[label] = version
    header = (
        f"# Written by `keras-gans serving-config` from {Path(base).resolve()}; export rewrites it.\n"
        f"# Models: {', '.join(f'{n} (versions {_join(v)})' for n, v in models.items()) or 'none'}.\n"
        f"# Per model: the newest {VERSIONS_KEPT} versions load; canary = newest, stable = the "
        "one before.\n"
    )
    return header + text_format.MessageToString(config)


def _join(versions) -> str:
    return ", ".join(str(v) for v in versions)


def write_serving_config(base, output=None, model_root: str = MODEL_ROOT) -> Path:
    """Writes the config (default `base/models.config`) atomically, so a server re-reading it
    never sees half a file."""
    output = Path(output) if output is not None else Path(base) / CONFIG_FILENAME
    text = serving_config_text(base, model_root)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return output


def _serving_config(args) -> int:
    if not Path(args.base).is_dir():
        raise ConfigError(f"Export folder {args.base} does not exist. Export a model first: "
                          f"keras-gans export RUN_DIR --name NAME --base {args.base}")
    if not exported_models(args.base):
        raise ConfigError(f"{args.base} holds no exported model (NAME/VERSION/saved_model.pb); "
                          "TF Serving would start with nothing to serve.")
    print(write_serving_config(args.base, args.output, args.model_root))
    return 0


def register(subparsers) -> None:
    """Adds `keras-gans serving-config`."""
    p = subparsers.add_parser("serving-config",
                              help="write TF Serving's models.config from the exported models")
    p.add_argument("base", help="export folder holding NAME/VERSION/ SavedModels")
    p.add_argument("-o", "--output", default=None, help="default: BASE/models.config")
    p.add_argument("--model-root", default=MODEL_ROOT,
                   help="where the server sees BASE (docker-compose mounts it at /models)")
    p.set_defaults(func=_serving_config)
