"""Checkpoints move between Keras backends: a run trained on JAX resumes and exports on
TensorFlow, and the generator it restores is the one JAX trained."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

TINY = ("batch_size=8, generator_width=8, discriminator_width=8, latent_dim=8, seed=0, "
        "tensorboard=False, sample_every=0, checkpoint_every=2, jit_compile=False, verbose=0")


def run_on(backend, code, cwd):
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONPATH": os.getcwd()}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_a_run_trained_on_jax_resumes_and_exports_on_tensorflow(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (64, 28, 28, 1), dtype=np.uint8)
    np.save(tmp_path / "images.npy", images)
    np.save(tmp_path / "z.npy", np.random.default_rng(1).normal(size=(4, 8)).astype("float32"))
    trained = run_on("jax", f"""
        import json, numpy as np, keras, keras_gans
        result = keras_gans.fit("r1", dataset=np.load("images.npy"), steps=2, run_dir="run", {TINY})
        out = keras.ops.convert_to_numpy(result.generator(np.load("z.npy"), training=False))
        np.save("jax_samples.npy", out)
        try:
            keras_gans.export("run", name="from_jax", base="export")
            refusal = None
        except keras_gans.ConfigError as error:
            refusal = str(error)
        print(json.dumps({{"backend": keras.backend.backend(), "step": int(keras.ops.convert_to_numpy(result.model.step)),
                          "refusal": refusal}}))
    """, tmp_path)
    assert trained["backend"] == "jax" and trained["step"] == 2
    # Export writes TensorFlow SavedModels: on JAX it says how to export instead.
    assert "KERAS_BACKEND=tensorflow keras-gans export RUN_DIR" in trained["refusal"]

    resumed = run_on("tensorflow", f"""
        import json, numpy as np, keras, keras_gans
        run = keras_gans.load_run("run")
        restored = keras.ops.convert_to_numpy(run.model.sampler(np.load("z.npy"), training=False))
        result = keras_gans.fit(resume="run", dataset=np.load("images.npy"), steps=4, verbose=0)
        path = keras_gans.export("run", name="from_jax", base="export")
        print(json.dumps({{"backend": keras.backend.backend(), "restored_step": run.step,
                          "max_diff": float(np.abs(restored - np.load("jax_samples.npy")).max()),
                          "step": int(result.model.step.numpy()),
                          "g_iterations": int(result.model.g_optimizer.iterations.numpy()),
                          "export": str(path)}}))
    """, tmp_path)
    assert resumed["backend"] == "tensorflow" and resumed["restored_step"] == 2
    # The EMA generator JAX trained, restored on TensorFlow, draws the same images.
    assert resumed["max_diff"] < 1e-5
    # The optimizers' state came along: their iteration counts continue from the checkpoint.
    assert resumed["step"] == 4 and resumed["g_iterations"] == 4
    assert (tmp_path / resumed["export"] / "saved_model.pb").is_file()
