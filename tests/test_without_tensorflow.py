"""On Keras's JAX backend keras_gans needs no TensorFlow: each test runs a fresh Python in which
`import tensorflow` (and tensorflow_datasets) fails, as on the project's GPU machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
BLOCKED = ("tensorflow", "tensorflow_datasets")
PRELUDE = f"""
import importlib.abc, json, sys

class NoTensorFlow(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {BLOCKED!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}} (blocked by the test)", name=name)

sys.meta_path.insert(0, NoTensorFlow())
"""
EPILOGUE = """
print("RESULT " + json.dumps(dict(result, tensorflow_imported="tensorflow" in sys.modules)))
"""


def run_without_tensorflow(code: str, tmp_path: Path, timeout=240) -> dict:
    """Runs `code` (which fills a dict `result`) on the JAX backend with TensorFlow unimportable."""
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", KERAS_GANS_CACHE=str(tmp_path / "cache"))
    script = PRELUDE + "result = {}\n" + textwrap.dedent(code) + EPILOGUE
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    result = json.loads(lines[-1][len("RESULT "):])
    assert result.pop("tensorflow_imported") is False
    return result


def test_the_prelude_really_blocks_tensorflow(tmp_path):
    result = run_without_tensorflow("""
        try:
            import tensorflow
            result["blocked"] = False
        except ImportError:
            result["blocked"] = True
        import keras
        result["backend"] = keras.backend.backend()
    """, tmp_path)
    assert result == {"blocked": True, "backend": "jax"}


def test_arrays_and_folders_load_without_tensorflow(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, size=(10, 6, 5), dtype=np.uint8)
    np.save(tmp_path / "images.npy", images)
    result = run_without_tensorflow(f"""
        import numpy as np
        from pathlib import Path
        from PIL import Image
        import keras_gans
        from keras_gans.data import load_dataset

        images = np.load({str(tmp_path / "images.npy")!r})
        data = load_dataset(images, batch_size=5, seed=3)
        epoch = [np.asarray(b) for b in data.dataset.take(2)]
        again = [np.asarray(b) for b in load_dataset(images, batch_size=5, seed=3).dataset.take(2)]
        result["array_type"] = type(data.dataset).__name__
        result["array_shapes"] = [list(b.shape) for b in epoch]
        result["array_dtype"] = str(epoch[0].dtype)
        result["same_seed_same_batches"] = all(np.array_equal(a, b) for a, b in zip(epoch, again))
        # One epoch of 2 batches holds every image once, scaled exactly to [-1, 1].
        seen = sorted(map(bytes, np.round((np.concatenate(epoch) + 1) * 127.5).astype(np.uint8)))
        result["epoch_is_a_permutation"] = seen == sorted(map(bytes, images[..., None]))
        skipped = np.asarray(next(iter(data.dataset.skip(1))))
        result["skip_continues_the_stream"] = bool(np.array_equal(skipped, epoch[1]))

        folder = Path({str(tmp_path / "folder")!r})
        for i in range(4):
            for kind in ("cats", "dogs"):
                (folder / kind).mkdir(parents=True, exist_ok=True)
                Image.fromarray(images[i]).save(folder / kind / f"{{i}}.png")
        pictures = load_dataset(folder, batch_size=8, shuffle=False, repeat=False)
        batch, labels = next(iter(pictures.dataset))
        result["folder"] = [pictures.class_names, list(pictures.image_shape), labels.tolist()]
        expected = np.concatenate([images[:4], images[:4]])[..., None] / 127.5 - 1
        result["folder_pixels_exact"] = bool(np.abs(batch - expected).max() < 1e-6)
        resized = next(iter(load_dataset(folder, batch_size=2, image_size=12, seed=0).dataset))[0]
        result["resized"] = [list(resized.shape), float(resized.min()) >= -1, float(resized.max()) <= 1]
    """, tmp_path)
    assert result.pop("array_type") == "BatchStream"
    assert result == {
        "array_shapes": [[5, 6, 5, 1], [5, 6, 5, 1]], "array_dtype": "float32",
        "same_seed_same_batches": True, "epoch_is_a_permutation": True, "skip_continues_the_stream": True,
        "folder": [["cats", "dogs"], [6, 5, 1], [0, 0, 0, 0, 1, 1, 1, 1]], "folder_pixels_exact": True,
        "resized": [[2, 12, 12, 1], True, True],
    }


def test_tensorflow_datasets_names_say_what_to_install(tmp_path):
    result = run_without_tensorflow("""
        from keras_gans.data import load_dataset
        from keras_gans.errors import DataError

        for name in ("celeb_a", "cycle_gan/horse2zebra", "fashon_mnist"):
            try:
                load_dataset(name, batch_size=2)
            except DataError as error:
                result[name] = str(error)
    """, tmp_path)
    for name in ("celeb_a", "cycle_gan/horse2zebra", "fashon_mnist"):
        assert "need TensorFlow and tensorflow-datasets" in result[name]
        assert "pip install tensorflow tensorflow-datasets" in result[name]
    assert "did you mean 'fashion_mnist'" in result["fashon_mnist"]


def test_tensorboard_events_and_sample_grids_without_tensorflow(tmp_path):
    import tensorflow as tf  # this side reads what the TensorFlow-free side wrote

    result = run_without_tensorflow(f"""
        import numpy as np
        from keras_gans.callbacks import RunSummary
        from keras_gans.images import save_image_grid

        grid = save_image_grid(np.linspace(-1, 1, 4 * 3 * 2 * 3).reshape(4, 3, 2, 3), {str(tmp_path / "grid.png")!r})
        summary = RunSummary({str(tmp_path / "run")!r})
        summary.scalar("loss/d", 0.25, step=7, description="the critic's loss")
        summary.png("samples", open(grid, "rb").read(), step=7)
        summary.text("health/warnings", "all well", step=7)
        summary.hparams({{"recipe": "dcgan", "g_lr": 0.0002}}, ["loss/d"])
        summary.close()
    """, tmp_path)
    assert result == {}
    grid = tf.io.decode_png((tmp_path / "grid.png").read_bytes()).numpy()
    assert grid.shape == (2 * 4 + 1, 2 * 3 + 1, 3) and grid[1, 1].tolist() == [0, 4, 7]  # -1, -1 + 2/71, -1 + 4/71

    values = {}
    (events,) = (tmp_path / "run" / "train").glob("events.out.tfevents.*")
    for record in tf.data.TFRecordDataset(str(events)):
        event = tf.compat.v1.Event.FromString(record.numpy())
        for value in event.summary.value:
            values[value.tag] = (event.step, value)
    step, scalar = values["loss/d"]
    assert step == 7 and tf.make_ndarray(scalar.tensor) == np.float32(0.25)
    assert scalar.metadata.plugin_data.plugin_name == "scalars"
    assert scalar.metadata.summary_description == "the critic's loss"
    width, height, png = tf.make_ndarray(values["samples"][1].tensor)
    assert (int(width), int(height)) == (7, 9) and png == (tmp_path / "grid.png").read_bytes()
    assert tf.make_ndarray(values["health/warnings"][1].tensor).item() == b"all well"
    assert {"_hparams_/experiment", "_hparams_/session_start_info"} <= set(values)


def test_fit_on_jax_without_tensorflow(tmp_path):
    """Needs the JAX train step (issue 9): fails until the trainer runs on JAX."""
    result = run_without_tensorflow(f"""
        import numpy as np
        import keras_gans

        images = np.random.default_rng(0).integers(0, 256, size=(64, 28, 28), dtype=np.uint8)
        fit = keras_gans.fit("dcgan", dataset=images, steps=4, seed=0, run_dir={str(tmp_path / "run")!r},
                             verbose=0, log_every=2, sample_every=2, checkpoint_every=2, steps_per_execution=2,
                             batch_size=8, generator_width=8, discriminator_width=8, latent_dim=16,
                             jit_compile=False)
        result["steps"] = [r["step"] for r in fit.step_log]
        result["finite"] = all(np.isfinite(r["d_loss"]) and np.isfinite(r["g_loss"]) for r in fit.step_log)
        result["samples"] = sorted(p.name for p in (fit.run_dir / "samples").iterdir())
        result["checkpoints"] = [c.step for c in fit.checkpoints.all()]
    """, tmp_path, timeout=600)
    assert result["steps"] == [1, 2, 3, 4] and result["finite"]
    assert result["samples"] == ["final.png", "step_000002.png", "step_000004.png"]
    assert result["checkpoints"][-1] == 4


def test_callbacks_on_the_jax_fit_loop_sync_nothing_per_step(tmp_path):
    """The run's callbacks under Keras's own JAX `fit`, driven by a minimal stateless step that keeps
    the issue-10 contract (`step`, `recent_steps`): every step logged, no state sync per step."""
    result = run_without_tensorflow(f"""
        import io
        import jax.numpy as jnp
        import keras
        import numpy as np
        from keras_gans import callbacks as cb
        from keras_gans.data import fit_input, load_dataset

        class ContractStep(keras.Model):
            log_every, logged_names, real_syncs = 4, ["d_loss", "g_loss"], 0

            def __init__(self):
                super().__init__()
                self.step = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False)
                self.recent_steps = self.add_weight(shape=(4, 2), initializer="zeros", trainable=False)
                self.built = True

            def train_step(self, state, data):
                trainable, (step, recent), optimizer_state, metrics_state = state
                (images,) = data
                step = step + 1
                values = jnp.stack([jnp.mean(images) + step, -step.astype("float32")])
                recent = recent.at[(step - 1) % self.log_every].set(values)
                logs = {{"d_loss": values[0], "g_loss": values[1], "step": step, "recent_steps": recent}}
                return logs, (trainable, [step, recent], optimizer_state, metrics_state)

            def jax_state_sync(self):
                if getattr(self, "_jax_state", None) and not self._jax_state_synced:
                    ContractStep.real_syncs += 1
                super().jax_state_sync()

        model = ContractStep()
        model.compile(optimizer="sgd", steps_per_execution=2)
        data = load_dataset(np.zeros((32, 4, 4), np.uint8), batch_size=8, seed=0)  # every pixel -1
        progress = io.StringIO()
        watchers = [cb.StepLog({str(tmp_path / "metrics.jsonl")!r}), cb.StopAtStep(8),
                    cb.ProgressLine(8, 4, stream=progress)]
        history = model.fit(fit_input(data.dataset), epochs=1, steps_per_epoch=10, verbose=0,
                            callbacks=cb.RunCallbacks(watchers, model=model, verbose=0, epochs=1, steps=10))
        result["records"] = cb.read_step_log({str(tmp_path / "metrics.jsonl")!r})
        result["progress"] = progress.getvalue().splitlines()
        result["syncs"] = ContractStep.real_syncs
        result["history"] = history.history
    """, tmp_path)
    assert result["records"] == [{"step": s, "d_loss": s - 1.0, "g_loss": -float(s)} for s in range(1, 9)]
    assert [line.split()[1] for line in result["progress"]] == ["4/8", "8/8"]
    assert result["syncs"] == 1  # Keras's own, at the end of the epoch
    assert result["history"] == {"d_loss": [3.5], "g_loss": [-4.5]}
