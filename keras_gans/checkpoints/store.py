"""Checkpoints of a run, written so that a crash at any moment leaves a loadable one on disk.

Layout of `RUN_DIR/checkpoints/`:

    step_00000500/state.npz   every variable of the GAN and of both optimizers
    step_00000500/meta.json   step, data position, image shape, classes, FID when measured
    best.json                 which step directory holds the lowest FID so far

A checkpoint is written into a hidden temporary directory and renamed to `step_XXXXXXXX` only when
complete (a rename is atomic on POSIX), so every `step_*` directory is whole and the latest one is
simply the highest step. Old ones are renamed aside before they are deleted, for the same reason.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from keras_gans.config import GANConfig
from keras_gans.errors import ConfigError, RunStorageError

CHECKPOINTS = "checkpoints"
STATE_FILE = "state.npz"
META_FILE = "meta.json"
BEST_FILE = "best.json"
CONFIG_FILE = "config.yaml"
FORMAT = 1
# Failed writes a user can fix: a full disk or quota, a file size limit, a read-only or locked folder.
STORAGE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM)


class CheckpointNotFound(ConfigError):
    """A run directory without the checkpoint asked for."""


@dataclasses.dataclass
class Checkpoint:
    """One complete checkpoint directory and its metadata (`meta["step"]`, `meta.get("fid")`...)."""

    path: Path
    meta: dict

    @property
    def step(self) -> int:
        return int(self.meta["step"])


def variable_groups(model) -> dict:
    """Everything that makes the next step identical: `model.variables` holds G, D, the EMA
    generator, batch-norm statistics, the step counter and every SeedGenerator state; the
    optimizers hold their moments, iteration counts and learning rates."""
    return {
        "gan": model.variables,
        "g_optimizer": model.g_optimizer.variables,
        "d_optimizer": model.d_optimizer.variables,
    }


class CheckpointStore:
    """Saves, finds, restores and prunes the checkpoints of one run directory.

    Args:
        run_dir: the run folder; checkpoints go to `run_dir/checkpoints/`.
    """

    def __init__(self, run_dir):
        self.run_dir = Path(run_dir)
        self.directory = self.run_dir / CHECKPOINTS

    def save(self, model, step: int, **meta) -> Checkpoint:
        """Writes the model's full state as the checkpoint of `step` (kept if it already exists).

        Raises `RunStorageError` when the folder cannot be written, naming the file, the space a
        checkpoint needs and the last good checkpoint (which stays whole on disk).
        """
        final = self.directory / f"step_{int(step):08d}"
        if (final / META_FILE).is_file():
            return self.read(final)
        groups = variable_groups(model)
        # Variables are matched by position: their paths carry per-process layer counters
        # (`conv2d_3`), so the same network built in another process gets other names.
        arrays = {_key(g, i): np.asarray(v.numpy()) for g, vs in groups.items() for i, v in enumerate(vs)}
        meta = {
            "format": FORMAT, "step": int(step), "time": time.time(), **meta,
            "variables": {g: [v.path for v in vs] for g, vs in groups.items()},
        }
        tmp, target = None, self.directory
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.directory))
            target = final  # errors name the checkpoint, not its hidden temporary folder
            with open(tmp / STATE_FILE, "wb") as f:
                np.savez(f, **arrays)
                _sync(f)
            with open(tmp / META_FILE, "w") as f:
                json.dump(meta, f, indent=1)
                _sync(f)
            os.rename(tmp, final)
            _sync_directory(self.directory)
        except OSError as error:
            raise self.write_error(error, f"the checkpoint of step {int(step)}", target,
                                   needed=sum(a.nbytes for a in arrays.values())) from None
        finally:
            if tmp is not None and tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return Checkpoint(final, meta)

    def write_error(self, error: OSError, what: str, path=None, needed=None) -> RunStorageError:
        """`error` (a failed write of `what` to `path`, by default the error's own file) as a
        `RunStorageError` that says what to do."""
        path = Path(path or error.filename or self.run_dir)
        message = f"Could not write {what} to {path}: {error.strerror or error}."
        needs = f" A checkpoint of this run needs about {_megabytes(needed or self.checkpoint_size())}"
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            free = _free_bytes(self.run_dir)
            message += (needs + (f"; {_megabytes(free)} are free there" if free is not None else "")
                        + ". Free some space (or raise the quota) or move the run to a larger disk.")
        elif error.errno == errno.EFBIG:
            message += needs + ", more than this process may write to one file (`ulimit -f`): raise the limit."
        elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            message += f" Make {self.run_dir} writable again (or copy it somewhere writable)."
        return RunStorageError(error.errno, f"{message} {self.resume_hint()}", str(path))

    def resume_hint(self) -> str:
        """Where the last good checkpoint is and how to continue from it."""
        latest = self.latest()
        if latest is None:
            return "No checkpoint of this run was written yet: start it again once the problem is fixed."
        return (f"The last good checkpoint is {latest.path} (step {latest.step}); continue from it with "
                f"`keras-gans train --resume {self.run_dir}` (Python: keras_gans.fit(resume=...)).")

    def checkpoint_size(self) -> int | None:
        latest = self.latest()
        return (latest.path / STATE_FILE).stat().st_size if latest is not None else None

    def read(self, path) -> Checkpoint:
        path = Path(path)
        return Checkpoint(path, json.loads((path / META_FILE).read_text()))

    def all(self) -> list:
        """Complete checkpoints, oldest first."""
        if not self.directory.is_dir():
            return []
        paths = sorted(p for p in self.directory.glob("step_*") if (p / META_FILE).is_file())
        return [self.read(p) for p in paths]

    def latest(self) -> Checkpoint | None:
        checkpoints = self.all()
        return checkpoints[-1] if checkpoints else None

    def best(self) -> Checkpoint | None:
        """The checkpoint with the lowest FID so far, if FID was measured."""
        try:
            name = json.loads((self.directory / BEST_FILE).read_text())["checkpoint"]
        except (OSError, ValueError, KeyError):
            return None
        path = self.directory / name
        return self.read(path) if (path / META_FILE).is_file() else None

    def get(self, which="latest") -> Checkpoint:
        """"latest", "best" or a step number; raises `CheckpointNotFound` naming what exists."""
        if which == "latest":
            found = self.latest()
        elif which == "best":
            found = self.best()
        else:
            found = next((c for c in self.all() if c.step == int(which)), None)
        if found is None:
            steps = [c.step for c in self.all()]
            raise CheckpointNotFound(
                f"No {which!r} checkpoint in {self.directory}; "
                + (f"steps on disk: {steps}." if steps else "the run has not written one yet.")
            )
        return found

    def mark_best(self, checkpoint: Checkpoint, fid: float) -> None:
        _atomic_write(self.directory / BEST_FILE, json.dumps({"checkpoint": checkpoint.path.name, "fid": fid}))

    def restore(self, model, checkpoint: Checkpoint) -> None:
        """Assigns every saved variable back; the model must be built from the same config."""
        groups = variable_groups(model)
        # State a resumed run never reads (the step-log buffer, written out through the
        # checkpoint's step) may change shape with its setting, e.g. another log_every.
        transient = {id(v) for v in getattr(model, "transient_variables", ())}
        with np.load(checkpoint.path / STATE_FILE) as state:
            for group, variables in groups.items():
                saved = checkpoint.meta["variables"][group]
                if len(saved) != len(variables):
                    raise ConfigError(
                        f"{checkpoint.path} holds {len(saved)} {group} variables but the model has "
                        f"{len(variables)}: it was built from another config than the checkpoint's."
                    )
                for i, variable in enumerate(variables):
                    value = state[_key(group, i)]
                    if tuple(value.shape) != tuple(variable.shape):
                        if id(variable) in transient:
                            continue
                        raise ConfigError(
                            f"{checkpoint.path}: {group} variable {saved[i]} has shape {value.shape}, "
                            f"the model's {variable.path} has {tuple(variable.shape)}; the config differs."
                        )
                    variable.assign(value)

    def prune(self) -> None:
        """Deletes all but the latest and the best checkpoint, and leftovers of crashed writes."""
        keep = {c.path.name for c in (self.latest(), self.best()) if c is not None}
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            stale = path.name.startswith((".tmp-", ".trash-"))
            if path.is_dir() and (stale or (path.name.startswith("step_") and path.name not in keep)):
                # Rename first: a crash mid-delete must not leave a half-deleted `step_*`.
                trash = path if stale else path.rename(self.directory / f".trash-{path.name}")
                shutil.rmtree(trash, ignore_errors=True)


def write_run_config(run_dir, config: GANConfig) -> None:
    _atomic_write(Path(run_dir) / CONFIG_FILE, yaml.safe_dump(config.to_dict(), sort_keys=False))


def read_run_config(run_dir, checkpoint: Checkpoint | None = None, **overrides) -> GANConfig:
    """The config `checkpoint` was written under (the run's `config.yaml` without one), with
    `overrides` applied.

    Each checkpoint keeps its own config because `config.yaml` holds the latest start's settings,
    which may be ones that made the run diverge after that checkpoint.
    """
    path = Path(run_dir) / CONFIG_FILE
    if checkpoint is not None and "config" in checkpoint.meta:
        data = checkpoint.meta["config"]
    elif path.is_file():
        data = yaml.safe_load(path.read_text()) or {}
    else:
        raise CheckpointNotFound(f"{run_dir} is not a keras_gans run directory: it has no {CONFIG_FILE}.")
    config = GANConfig.from_dict(data)
    return config.replace(**overrides) if overrides else config


def _key(group, index):
    return f"{group}.{index:05d}"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(text)
        _sync(f)
    os.replace(tmp, path)


def _free_bytes(path: Path) -> int | None:
    for folder in (path, *path.parents):
        if folder.exists():
            return shutil.disk_usage(folder).free
    return None


def _megabytes(size) -> str:
    return "an unknown size" if size is None else f"{size / 2**20:.1f} MB"


def _sync(f) -> None:
    # Without fsync a power loss can leave the renamed file empty (data not yet on disk).
    f.flush()
    os.fsync(f.fileno())


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
