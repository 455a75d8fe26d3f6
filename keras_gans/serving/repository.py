"""The model repository behind the local server: `base/NAME/VERSION/` folders, polled for changes."""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from keras_gans.serving.errors import invalid, not_found

log = logging.getLogger(__name__)

LABELS_FILENAME = "labels.json"


@dataclass
class LoadedVersion:
    """One loaded SavedModel version: callable signatures plus their SignatureDef protos."""

    name: str
    version: int
    path: Path
    signatures: dict  # signature name -> concrete function (tf.saved_model.load(...).signatures)
    signature_defs: dict  # signature name -> tensorflow.SignatureDef proto
    module: object = field(repr=False)  # keeps the loaded object (and its variables) alive


@dataclass
class ModelState:
    """Everything known about one model name: loaded versions, failed loads, labels."""

    versions: dict = field(default_factory=dict)  # int -> LoadedVersion
    failed: dict = field(default_factory=dict)  # int -> error message
    labels: dict = field(default_factory=dict)  # label -> int


def load_version(name: str, version: int, path: Path) -> LoadedVersion:
    """Loads `path` with the `serve` tag, as TF Serving does."""
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((path / "saved_model.pb").read_bytes())
    graphs = [g for g in proto.meta_graphs if "serve" in g.meta_info_def.tags]
    if not graphs:
        raise ValueError(f"{path} has no MetaGraph tagged 'serve'")
    module = tf.saved_model.load(str(path), tags=["serve"])
    return LoadedVersion(
        name=name,
        version=version,
        path=path,
        signatures=dict(module.signatures),
        signature_defs=dict(graphs[0].signature_def),
        module=module,
    )


def read_labels(model_dir: Path) -> dict:
    """`base/NAME/labels.json`: {"stable": 1, "canary": 2}, the local stand-in for the
    `version_labels` of TF Serving's models.config."""
    path = model_dir / LABELS_FILENAME
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text())
        return {str(k): int(v) for k, v in raw.items()}
    except (ValueError, AttributeError, TypeError) as err:
        log.warning("ignoring %s: %s", path, err)
        return {}


class ModelRepository:
    """Serves every model folder under `base`, every numeric version in it.

    Like TF Serving with `model_version_policy { all {} }`: each version folder that contains a
    `saved_model.pb` is loaded, the newest one answers requests without a version, and a poll
    thread (every `poll_seconds`, like `--file_system_poll_wait_seconds`) loads new folders and
    unloads deleted ones without a restart. Labels come from `base/NAME/labels.json`.

    Args:
        base: the export folder (`base/NAME/VERSION/saved_model.pb`).
        poll_seconds: how often the folder is rescanned; 0 disables the poll thread.
    """

    def __init__(self, base, poll_seconds: float = 1.0):
        self.base = Path(base)
        self.poll_seconds = poll_seconds
        self._models: dict[str, ModelState] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        if not self.base.is_dir():
            raise FileNotFoundError(f"Export folder {self.base} does not exist.")
        self.scan()

    def start(self) -> None:
        if self.poll_seconds > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._poll, name="model-poll", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            try:
                self.scan()
            except Exception:  # a bad folder must not kill the poller
                log.exception("scanning %s failed", self.base)

    def scan(self) -> None:
        """Loads new versions and drops deleted ones; loading happens outside the lock so
        requests keep being served meanwhile."""
        found: dict[str, dict[int, Path]] = {}
        for model_dir in sorted(p for p in self.base.iterdir() if p.is_dir()):
            if model_dir.name.startswith("."):
                continue
            versions = {
                int(v.name): v
                for v in model_dir.iterdir()
                if v.is_dir() and v.name.isdigit() and (v / "saved_model.pb").is_file()
            }
            found[model_dir.name] = versions
        for name, versions in found.items():
            with self._lock:
                state = self._models.get(name) or ModelState()
                known = set(state.versions) | set(state.failed)
            loaded, failed = {}, {}
            for version in sorted(set(versions) - known):
                try:
                    loaded[version] = load_version(name, version, versions[version])
                    log.info("loaded %s version %d", name, version)
                except Exception as err:
                    failed[version] = f"{type(err).__name__}: {err}"
                    log.error("failed to load %s version %d: %s", name, version, err)
            labels = read_labels(self.base / name)
            with self._lock:
                state = self._models.setdefault(name, ModelState())
                state.versions.update(loaded)
                state.failed.update(failed)
                for gone in set(state.versions) - set(versions):
                    del state.versions[gone]
                for gone in set(state.failed) - set(versions):
                    del state.failed[gone]
                state.labels = labels
        with self._lock:
            for name in set(self._models) - set(found):
                del self._models[name]

    def _state(self, name: str) -> ModelState | None:
        with self._lock:
            state = self._models.get(name)
            if state is None:
                return None
            return ModelState(dict(state.versions), dict(state.failed), dict(state.labels))

    def resolve_label(self, name: str, label: str) -> int:
        state = self._state(name)
        if state is None or label not in state.labels:
            raise invalid(f"Unrecognized servable version label: {label}")
        return state.labels[label]

    def get(self, name: str, version: int | None = None, label: str | None = None):
        """The version that answers a request, or TF Serving's "Servable not found" error."""
        if label is not None:
            version = self.resolve_label(name, label)
        state = self._state(name)
        versions = state.versions if state else {}
        if version is None:
            if not versions:
                raise not_found(f"Servable not found for request: Latest({name})")
            return versions[max(versions)]
        if version not in versions:
            raise not_found(f"Servable not found for request: Specific({name}, {version})")
        return versions[version]

    def status(self, name: str, version: int | None = None, label: str | None = None) -> dict:
        """GetModelStatusResponse as JSON; versions newest first, as TF Serving lists them."""
        if label is not None:
            version = self.resolve_label(name, label)
        state = self._state(name)
        entries = {}
        if state is not None:
            for v in state.versions:
                entries[v] = ("AVAILABLE", "OK", "")
            for v, message in state.failed.items():
                entries[v] = ("END", "UNKNOWN", message)
        if version is not None:
            if version not in entries:
                raise not_found(f"Could not find version {version} of model {name}")
            entries = {version: entries[version]}
        if not entries:
            raise not_found(f"Could not find any versions of model {name}")
        return {
            "model_version_status": [
                {
                    "version": str(v),
                    "state": entries[v][0],
                    "status": {"error_code": entries[v][1], "error_message": entries[v][2]},
                }
                for v in sorted(entries, reverse=True)
            ]
        }

    def model_names(self) -> list[str]:
        with self._lock:
            return sorted(self._models)


__all__ = ["LoadedVersion", "ModelRepository", "load_version", "read_labels"]
