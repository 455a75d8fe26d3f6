"""Data parallelism changes nothing but speed: 2 devices at global batch B make the updates 1
device makes with batch B (TensorFlow MirroredStrategy on 2 logical CPUs; JAX DataParallel on 2
host devices), for the gradient penalty, R1 with an EMA generator and batch norm, and spectral
normalization."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).parent / "scripts" / "data_parallel_run.py"
STEPS = 3
# Reductions over 2 replicas add in another order: float32 round-off, nothing more.
RTOL, ATOL = 1e-4, 1e-5


def run(backend, devices, recipe):
    done = subprocess.run([sys.executable, str(SCRIPT), backend, str(devices), recipe, str(STEPS)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def backend_available(name):
    try:
        __import__(name)
    except ImportError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["tensorflow", "jax"])
@pytest.mark.parametrize("recipe", ["wgan_gp", "r1", "sngan"])
def test_two_devices_make_the_updates_of_one(backend, recipe):
    if not backend_available(backend):
        pytest.fail(f"{backend} is not installed; `make test` installs both backends")
    one, two = run(backend, 1, recipe), run(backend, 2, recipe)
    assert (one["replicas"], two["replicas"]) == (1, 2)
    assert one["names"] == two["names"]
    # Every step's losses, penalties and scores: the step values the trainer buffers.
    compared = [i for i, name in enumerate(one["names"]) if not name.endswith("grad_norm")]
    np.testing.assert_allclose(np.array(two["steps"])[:, compared], np.array(one["steps"])[:, compared],
                               rtol=RTOL, atol=ATOL)
    # The weights the run would sample and export from (the EMA generator for r1).
    assert one["sampler_weights"].keys() == two["sampler_weights"].keys()
    np.testing.assert_allclose(np.array(list(two["sampler_weights"].values())),
                               np.array(list(one["sampler_weights"].values())), rtol=RTOL, atol=ATOL)
    # The runs trained: the first and last step differ.
    assert np.abs(np.array(one["steps"])[0] - np.array(one["steps"])[-1]).max() > 1e-3
