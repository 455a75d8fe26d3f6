"""A 2-worker MultiWorkerMirroredStrategy run on 127.0.0.1 trains, checkpoints and resumes."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).parent / "scripts" / "multi_worker_run.py"


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def run_workers(tmp_path, *args):
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    workers = []
    for index in range(2):
        env = {**os.environ, "KERAS_BACKEND": "tensorflow", "PYTHONPATH": os.getcwd(),
               "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        workers.append(subprocess.Popen([sys.executable, str(SCRIPT), *map(str, args)], env=env, cwd=tmp_path,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err[-3000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


@pytest.mark.slow
def test_two_workers_train_checkpoint_and_resume(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    np.save(tmp_path / "images.npy", images)
    run = tmp_path / "run"

    first = run_workers(tmp_path, run, tmp_path / "images.npy", 2)
    assert [r["replicas"] for r in first] == [2, 2] and [r["step"] for r in first] == [2, 2]
    # One run folder, written by worker 0; the steps are the same on both workers.
    assert first[0]["run_dir"] == str(run) and first[1]["run_dir"] != str(run)
    assert first[0]["d_loss"] == pytest.approx(first[1]["d_loss"], rel=1e-6)
    assert sorted(p.name for p in (run / "checkpoints").glob("step_*")) == ["step_00000002"]

    resumed = run_workers(tmp_path, run, tmp_path / "images.npy", 4, "resume")
    assert [r["step"] for r in resumed] == [4, 4]
    assert (run / "checkpoints" / "step_00000004").is_dir()
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4]
