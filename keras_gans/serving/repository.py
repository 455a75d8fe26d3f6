"""The models behind the local server: version policies, labels, loading with warm-up, polling.

Mirrors TF Serving's ServerCore: each model has a base path of numeric version folders and a
`model_version_policy` (file_system_storage_path_source.cc: `latest` by default, with
`num_versions` at least 1; `specific`; `all`). Aspired versions are loaded (the SavedModel's
`serve` graph, then its `assets.extra/tf_serving_warmup_requests` replayed) before they turn
AVAILABLE and before versions leaving the policy are unloaded, so a rollout drops no request.
Labels point at AVAILABLE versions (server_core.cc), and status lists what the state monitor
saw, newest first (get_model_status_impl.cc).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from keras_gans.errors import ConfigError
from keras_gans.serving.errors import invalid, not_found

log = logging.getLogger(__name__)

CONTAINER_MODEL_ROOT = "/models"  # docker-compose.yml mounts the export folder here


@dataclass(eq=False)  # identity: each load is its own object (and may sit in sets)
class LoadedVersion:
    """One loaded SavedModel version: callable signatures plus their SignatureDef protos."""

    name: str
    version: int
    path: Path
    signatures: dict  # signature name -> concrete function
    signature_defs: dict  # signature name -> tensorflow.SignatureDef proto
    module: object = field(repr=False)  # keeps the loaded object (and its variables) alive
    warmup_records: int = 0
    batchers: dict = field(default_factory=dict, repr=False)  # signature -> Batcher
    retired: bool = False  # unloaded: no new batcher may start for it


@dataclass
class ModelSource:
    """One `config` of a ModelServerConfig: where versions live and which to serve."""

    name: str
    base_path: Path
    policy: str = "latest"  # "latest" | "specific" | "all"
    num_versions: int = 1
    versions: tuple = ()  # for "specific"
    labels: dict = field(default_factory=dict)

    def aspired(self, on_disk: list[int]) -> set[int]:
        if self.policy == "all":
            return set(on_disk)
        if self.policy == "specific":
            return set(on_disk) & set(self.versions)
        return set(sorted(on_disk)[-self.num_versions:]) if on_disk else set()


def sources_from_folder(base) -> list[ModelSource]:
    """Without a config file: every `base/NAME/` is a model under the default policy."""
    base = Path(base)
    return [ModelSource(p.name, p) for p in sorted(base.iterdir())
            if p.is_dir() and not p.name.startswith(".")]


def sources_from_config(config, base) -> list[ModelSource]:
    """`ModelServerConfig` -> sources. A base_path under /models (the container's mount of the
    export folder) or a relative one is looked up under `base`, so one file serves both."""
    sources = []
    for model in config.model_config_list.config:
        path = Path(model.base_path)
        if not path.is_dir():
            text = model.base_path
            if text == CONTAINER_MODEL_ROOT or text.startswith(CONTAINER_MODEL_ROOT + "/"):
                text = text[len(CONTAINER_MODEL_ROOT):].lstrip("/")
            path = Path(base) / text if base is not None else path
        if not path.is_dir():  # TF Serving would wait for it forever; serve the others
            log.warning("model %s: base_path %s not found (looked at %s)", model.name,
                        model.base_path, path)
        policy = model.model_version_policy
        choice = policy.WhichOneof("policy_choice") or "latest"
        sources.append(ModelSource(
            name=model.name, base_path=path, policy=choice,
            num_versions=max(policy.latest.num_versions, 1),
            versions=tuple(policy.specific.versions), labels=dict(model.version_labels)))
    return sources


def version_folders(model_dir: Path) -> dict[int, Path]:
    if not model_dir.is_dir():
        return {}
    return {int(v.name): v for v in model_dir.iterdir()
            if v.is_dir() and v.name.isdigit() and (v / "saved_model.pb").is_file()}


def load_version(name: str, version: int, path: Path) -> LoadedVersion:
    """Loads `path` with the `serve` tag and replays its warm-up requests, as TF Serving does."""
    import tensorflow as tf
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((path / "saved_model.pb").read_bytes())
    graphs = [g for g in proto.meta_graphs if "serve" in g.meta_info_def.tags]
    if not graphs:
        raise ValueError(f"{path} has no MetaGraph tagged 'serve'")
    module = tf.saved_model.load(str(path), tags=["serve"])
    loaded = LoadedVersion(name, version, path, dict(module.signatures),
                           dict(graphs[0].signature_def), module)
    loaded.warmup_records = replay_warmup(loaded)
    return loaded


def replay_warmup(loaded: LoadedVersion) -> int:
    """Runs every PredictLog request of `assets.extra/tf_serving_warmup_requests`; a failing one
    fails the load (saved_model_warmup_util.cc)."""
    import tensorflow as tf

    from keras_gans.exporting.warmup import WARMUP_FILENAME, read_prediction_logs

    path = loaded.path / "assets.extra" / WARMUP_FILENAME
    if not path.is_file():
        return 0
    logs = read_prediction_logs(path)
    for number, log_entry in enumerate(logs, 1):
        kind = log_entry.WhichOneof("log_type")
        request = log_entry.predict_log.request
        signature = request.model_spec.signature_name or "serving_default"
        try:
            if kind != "predict_log":
                raise ValueError(f"Unsupported log_type for warmup: {kind}")
            tensors = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
            loaded.signatures[signature](**tensors)
        except Exception as err:
            raise ValueError(f"Warm-up request {number} of {path} ({signature}) failed: "
                             f"{type(err).__name__}: {err}") from None
    return len(logs)


@dataclass
class ModelState:
    source: ModelSource
    versions: dict = field(default_factory=dict)  # int -> LoadedVersion (AVAILABLE)
    states: dict = field(default_factory=dict)  # int -> (state, error code, message)
    labels: dict = field(default_factory=dict)  # label -> version, as last accepted


class ModelRepository:
    """Serves the models of `sources` (see `sources_from_folder` / `sources_from_config`).

    Args:
        sources: the models, or a function returning them before each scan (an export folder
            whose new model folders are served without a restart); `set_sources` replaces
            them (a re-read config file).
        poll_seconds: how often version folders are rescanned (TF Serving's
            `--file_system_poll_wait_seconds`); 0 disables the poll thread.
        allow_unavailable_labels: TF Serving's `--allow_version_labels_for_unavailable_models`:
            a new label may name a version that is not AVAILABLE yet; moving one may not.
        on_unload: called with each LoadedVersion that stops being served.
    """

    def __init__(self, sources, poll_seconds: float = 1.0, allow_unavailable_labels=False,
                 on_unload=None):
        self.poll_seconds = poll_seconds
        self.allow_unavailable_labels = allow_unavailable_labels
        self.on_unload = on_unload
        self._models: dict[str, ModelState] = {}
        self._lock = threading.Lock()
        self._scan_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self._discover = sources if callable(sources) else None
        self.set_sources(sources() if callable(sources) else sources)
        self.label_errors = self.scan()
        if self.label_errors:
            raise ConfigError("; ".join(self.label_errors))

    def set_sources(self, sources) -> None:
        with self._lock:
            kept = {s.name: self._models.get(s.name) for s in sources}
            for name in set(self._models) - set(kept):
                self._retire(self._models[name], set(self._models[name].versions))
            self._models = {s.name: (kept[s.name] or ModelState(s)) for s in sources}
            for s in sources:
                self._models[s.name].source = s

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
                for error in self.scan():
                    log.error("version labels not applied: %s", error)
            except Exception:  # a bad folder must not kill the poller
                log.exception("scanning the model folders failed")

    def scan(self) -> list[str]:
        """Loads newly aspired versions, then unloads the ones that left the policy, then
        applies labels. Loading happens outside the lock, so requests keep being served.
        Returns the label assignments that were refused."""
        with self._scan_lock:
            if self._discover is not None:
                self.set_sources(self._discover())
            with self._lock:
                models = list(self._models.values())
            errors = []
            for state in models:
                on_disk = version_folders(state.source.base_path)
                aspired = state.source.aspired(sorted(on_disk))
                with self._lock:
                    # A version whose load failed is not retried (TF Serving neither).
                    new = sorted(v for v in aspired if v not in state.versions
                                 and state.states.get(v, ("", "OK"))[1] == "OK")
                    for v in new:
                        state.states[v] = ("LOADING", "OK", "")
                for version in new:
                    self._load(state, version, on_disk[version])
                with self._lock:
                    # Availability first: versions leave only once an aspired one serves (a
                    # broken new export does not take the old one down), or the folder is gone.
                    gone = set(state.versions) - aspired
                    if not aspired or aspired & set(state.versions):
                        self._retire(state, gone)
                    errors += self._apply_labels(state)
            return errors

    def _load(self, state: ModelState, version: int, path: Path) -> None:
        name = state.source.name
        try:
            loaded = load_version(name, version, path)
        except Exception as err:
            log.error("failed to load %s version %d: %s", name, version, err)
            with self._lock:
                state.states[version] = ("END", "UNKNOWN", f"{type(err).__name__}: {err}")
            return
        log.info("loaded %s version %d (%d warm-up requests replayed)", name, version,
                 loaded.warmup_records)
        with self._lock:
            state.versions[version] = loaded
            state.states[version] = ("AVAILABLE", "OK", "")

    def _retire(self, state: ModelState, versions) -> None:
        for version in versions:
            loaded = state.versions.pop(version)
            state.states[version] = ("END", "OK", "")
            if self.on_unload is not None:
                self.on_unload(loaded)
            log.info("unloaded %s version %d", state.source.name, version)

    def _apply_labels(self, state: ModelState) -> list[str]:
        # server_core.cc (UpdateModelVersionLabelMap): all labels of the config or none.
        wanted = state.source.labels
        for label, version in wanted.items():
            available = version in state.versions
            new_or_same = state.labels.get(label, version) == version
            if not available and not (self.allow_unavailable_labels and new_or_same):
                return [f"Request to assign label to version {version} of model "
                        f"{state.source.name}, which is not currently available for inference"]
        state.labels = dict(wanted)
        return []

    def _state(self, name: str) -> ModelState | None:
        with self._lock:
            state = self._models.get(name)
            if state is None:
                return None
            return ModelState(state.source, dict(state.versions), dict(state.states),
                              dict(state.labels))

    def get(self, name: str, version: int | None = None, label: str | None = None):
        """The version that answers a request, or TF Serving's "Servable not found" error."""
        state = self._state(name)
        if label is not None:
            if state is None or label not in state.labels:
                raise invalid(f"Unrecognized servable version label: {label}")
            version = state.labels[label]
        versions = state.versions if state else {}
        if version is None:
            if not versions:
                raise not_found(f"Servable not found for request: Latest({name})")
            return versions[max(versions)]
        if version not in versions:
            raise not_found(f"Servable not found for request: Specific({name}, {version})")
        return versions[version]

    def status(self, name: str, version: int | None = None) -> dict:
        """GetModelStatusResponse as JSON. A label does not narrow it: TF Serving's status
        handler only looks at a version number, so `/labels/L` lists every version."""
        state = self._state(name)
        entries = state.states if state else {}
        if version is not None:
            if version not in entries:
                raise not_found(f"Could not find version {version} of model {name}")
            entries = {version: entries[version]}
        if not entries:
            raise not_found(f"Could not find any versions of model {name}")
        return {"model_version_status": [
            {"version": str(v), "state": entries[v][0],
             "status": {"error_code": entries[v][1], "error_message": entries[v][2]}}
            for v in sorted(entries, reverse=True)]}

    def model_names(self) -> list[str]:
        with self._lock:
            return sorted(self._models)


__all__ = ["LoadedVersion", "ModelRepository", "ModelSource", "load_version",
           "sources_from_config", "sources_from_folder"]
