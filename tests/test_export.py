"""SavedModel export: reloaded outputs equal the Keras generator's, saved_model_cli runs both
signatures, seeds are stateless, and the warm-up file is a valid PredictionLog TFRecord."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

from keras_gans.errors import ConfigError
from keras_gans.exporting import SEED_SIGNATURE, export_generator, read_provenance
from keras_gans.networks import R3GANGenerator

from export_helpers import LATENT, conditional_generator, seeded_latents, tiny_generator  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    generator = tiny_generator()
    base = tmp_path_factory.mktemp("export")
    provenance = {"recipe": "dcgan", "dataset": "mnist", "step": 123, "metrics": {"fid": 45.6}}
    path = export_generator(generator, name="tiny", base=base, provenance=provenance)
    return generator, path


def test_export_layout_versions_and_provenance(exported, tmp_path):
    generator, path = exported
    assert path.name == "1" and (path / "saved_model.pb").is_file()
    record = read_provenance(path)
    assert record["recipe"] == "dcgan" and record["step"] == 123
    assert record["metrics"] == {"fid": 45.6} and record["latent_dim"] == LATENT
    # Seeds repeat images only on the same TensorFlow: the export says which one it used.
    assert record["tensorflow_version"] == tf.__version__

    assert export_generator(generator, name="m", base=tmp_path).name == "1"
    assert export_generator(generator, name="m", base=tmp_path, version=7).name == "7"
    assert export_generator(generator, name="m", base=tmp_path).name == "8"  # next free integer
    with pytest.raises(FileExistsError, match=r"versions of 'm' on disk: 1, 7, 8\); refusing to "
                       r"overwrite a served version. Leave out the version to write 9"):
        export_generator(generator, name="m", base=tmp_path, version=7)
    # Only version folders are left behind: no staging folder survives.
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["1", "7", "8"]
    # Every export rewrites base/models.config to list what is on disk.
    config = (tmp_path / "models.config").read_text()
    assert 'name: "m"' in config and "key: \"stable\"\n      value: 7" in config
    assert "key: \"canary\"\n      value: 8" in config


def test_reloaded_export_matches_keras_generator(exported):
    generator, path = exported
    loaded = tf.saved_model.load(str(path))
    serve = loaded.signatures["serving_default"]
    for batch in (1, 5):  # the batch dimension is unknown in the signature
        z = np.random.default_rng(batch).standard_normal((batch, LATENT)).astype("float32")
        images = serve(z=tf.constant(z))["images"]
        assert images.dtype == tf.float32 and images.shape == (batch, 8, 8, 1)
        np.testing.assert_allclose(images.numpy(), generator(z).numpy(), atol=1e-5, rtol=0)
    spec = serve.structured_input_signature[1]["z"]
    assert spec.shape.as_list() == [None, LATENT] and spec.dtype == tf.float32


def test_seed_signature_is_reproducible_and_encodes_png(exported):
    generator, path = exported
    from_seed = tf.saved_model.load(str(path)).signatures[SEED_SIGNATURE]
    out = from_seed(seed=tf.constant([3, 7], tf.int64))
    again = from_seed(seed=tf.constant([7], tf.int64))  # same seed, other batch position
    np.testing.assert_array_equal(out["images_uint8"][1], again["images_uint8"][0])

    expected = generator(seeded_latents([3, 7])).numpy()
    expected = np.round((np.clip(expected, -1, 1) + 1) * 127.5).astype(np.uint8)
    assert np.abs(out["images_uint8"].numpy().astype(int) - expected).max() <= 1
    for png, image in zip(out["images_png_bytes"].numpy(), out["images_uint8"].numpy()):
        assert png.startswith(b"\x89PNG")
        np.testing.assert_array_equal(tf.io.decode_png(png).numpy(), image)


def _graph_ops(saved_model_dir: Path) -> set[str]:
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((saved_model_dir / "saved_model.pb").read_bytes())
    graph = proto.meta_graphs[0].graph_def
    ops = {node.op for node in graph.node}
    for function in graph.library.function:
        ops |= {node.op for node in function.node_def}
    return ops


def test_graph_has_no_stateful_random_ops(exported):
    from tensorflow.python.framework import op_def_registry

    ops = _graph_ops(exported[1])
    assert "StatelessRandomNormalV2" in ops or "StatelessRandomNormal" in ops
    stateful = {op for op in ops if op_def_registry.get(op).is_stateful}
    # Variables, checkpoint restore, function calls and CheckNumerics (fails bad input; keeps no
    # state) are stateful in TF's op registry; no op that draws or advances an RNG may appear.
    allowed = {
        "VarHandleOp", "ReadVariableOp", "AssignVariableOp", "RestoreV2", "SaveV2",
        "MergeV2Checkpoints", "StatefulPartitionedCall", "CheckNumerics", "ShardedFilename",
        "StringJoin", "NoOp", "Identity", "Const", "Placeholder", "StaticRegexFullMatch",
        "DisableCopyOnRead", "VarIsInitializedOp",
    }
    assert stateful <= allowed, f"unexpected stateful ops: {sorted(stateful - allowed)}"
    assert not {op for op in ops if "Random" in op and "Stateless" not in op}


def _saved_model_cli(path: Path, signature: str, inputs: str, outdir: Path) -> subprocess.Popen:
    cli = Path(sys.executable).with_name("saved_model_cli")
    outdir.mkdir(exist_ok=True)
    return subprocess.Popen(
        [str(cli), "run", "--dir", str(path), "--tag_set", "serve", "--signature_def", signature,
         "--input_exprs", inputs, "--outdir", str(outdir), "--overwrite"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.slow
def test_saved_model_cli_runs_both_signatures(exported, tmp_path):
    generator, path = exported
    # --input_exprs takes Python literals only (saved_model_cli evaluates them safely).
    z = np.linspace(-1, 1, 16, dtype=np.float32).reshape(2, 8)
    # Both runs at once: each one spends most of its time importing TensorFlow.
    runs = [
        _saved_model_cli(path, "serving_default", f"z={z.tolist()}", tmp_path / "default"),
        _saved_model_cli(path, SEED_SIGNATURE, "seed=[3, 7]", tmp_path / "seed"),
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "default" / "images.npy"), generator(z),
                               atol=1e-5)
    via_cli = np.load(tmp_path / "seed" / "images_uint8.npy")
    direct = tf.saved_model.load(str(path)).signatures[SEED_SIGNATURE](
        seed=tf.constant([3, 7], tf.int64))["images_uint8"].numpy()
    np.testing.assert_array_equal(via_cli, direct)
    assert np.load(tmp_path / "seed" / "images_png_bytes.npy", allow_pickle=True).shape == (2,)


def test_non_finite_latents_are_rejected_in_the_graph(exported):
    serve = tf.saved_model.load(str(exported[1])).signatures["serving_default"]
    z = np.zeros((2, LATENT), np.float32)
    z[1, 3] = np.inf
    with pytest.raises(tf.errors.InvalidArgumentError, match="z must be finite"):
        serve(z=tf.constant(z))


def test_mixed_precision_generator_exports_float32(tmp_path):
    generator = tiny_generator(dtype="mixed_float16")
    z = np.random.default_rng(0).standard_normal((3, LATENT)).astype("float32")
    assert generator(z).dtype == "float16"
    path = export_generator(generator, name="mp", base=tmp_path)
    images = tf.saved_model.load(str(path)).signatures["serving_default"](z=tf.constant(z))
    assert images["images"].dtype == tf.float32
    np.testing.assert_allclose(images["images"], np.asarray(generator(z), np.float32), atol=1e-5)


def test_an_r3gan_generator_exports_plain_graph_ops(tmp_path):
    # Grouped convolutions (one per group) and the depthwise resampling between stages of different
    # widths must reach TF Serving as ordinary ops: no XLA cluster, nothing compiled at load time.
    generator = R3GANGenerator(LATENT, (28, 28, 1), width=[32, 16, 16], blocks_per_stage=1)
    z = np.random.default_rng(0).standard_normal((3, LATENT)).astype("float32")
    expected = generator(z)
    path = export_generator(generator, name="r3", base=tmp_path, latent_dim=LATENT)
    images = tf.saved_model.load(str(path)).signatures["serving_default"](z=tf.constant(z))["images"]
    np.testing.assert_allclose(images, expected, atol=1e-5)
    ops = _graph_ops(path)
    assert "DepthwiseConv2dNative" in ops and "Conv2D" in ops
    assert not {op for op in ops if op.startswith("Xla") or op.startswith("_Xla")}


def test_conditional_generator_takes_labels(tmp_path):
    generator = conditional_generator(num_classes=3)
    path = export_generator(generator, name="cond", base=tmp_path, num_classes=3)
    sigs = tf.saved_model.load(str(path)).signatures
    z = np.random.default_rng(0).standard_normal((2, LATENT)).astype("float32")
    labels = np.array([0, 2], np.int64)
    images = sigs["serving_default"](z=tf.constant(z), label=tf.constant(labels))["images"]
    np.testing.assert_allclose(images, generator([z, labels.astype("int32")]), atol=1e-5)
    seeded = sigs[SEED_SIGNATURE](seed=tf.constant([1, 1], tf.int64), label=tf.constant(labels))
    assert seeded["images_uint8"].shape == (2, 8, 8, 1)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"label must be in \[0, 3\)"):
        sigs["serving_default"](z=tf.constant(z), label=tf.constant([0, 3], tf.int64))


def test_warmup_file_is_a_tfrecord_of_prediction_logs(exported):
    path = exported[1] / "assets.extra" / "tf_serving_warmup_requests"
    from tensorflow_serving.apis import prediction_log_pb2  # the real proto of TF Serving

    logs = []
    for record in tf.data.TFRecordDataset(str(path)):
        log = prediction_log_pb2.PredictionLog()
        log.ParseFromString(record.numpy())
        logs.append(log)
    assert [log.predict_log.request.model_spec.signature_name for log in logs] == [
        "serving_default", SEED_SIGNATURE]
    z = tf.make_ndarray(logs[0].predict_log.request.inputs["z"])
    seed = tf.make_ndarray(logs[1].predict_log.request.inputs["seed"])
    assert z.dtype == np.float32 and z.shape[1] == LATENT
    assert seed.dtype == np.int64 and seed.shape == (z.shape[0],)
    assert logs[0].predict_log.request.model_spec.name == "tiny"
    # Replaying the warm-up requests succeeds, as TF Serving requires before going AVAILABLE.
    sigs = tf.saved_model.load(str(exported[1])).signatures
    assert sigs["serving_default"](z=tf.constant(z))["images"].shape[0] == z.shape[0]
    json.dumps(read_provenance(exported[1]))  # provenance stays plain JSON


def test_export_cli_writes_the_next_version(tmp_path):
    import argparse

    from keras_gans.exporting import cli

    model_file = tmp_path / "generator.keras"
    tiny_generator().save(model_file)
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    for expected in ("1", "2"):
        args = parser.parse_args(["export", str(model_file), "--name", "g", "--base",
                                  str(tmp_path / "export"), "--provenance", '{"step": 5}'])
        assert args.func(args) == 0
        assert (tmp_path / "export" / "g" / expected / "saved_model.pb").is_file()
    assert read_provenance(tmp_path / "export" / "g" / "2")["step"] == 5
    with pytest.raises(ConfigError, match="is not a keras_gans run directory"):
        args = parser.parse_args(["export", str(tmp_path), "--name", "g"])
        args.func(args)


def test_export_cli_refuses_an_existing_version_with_a_clear_error(tmp_path, capsys):
    """Issue 14 #9/#10: `export --version 1` where 1 exists ended in a FileExistsError
    traceback; now exit 2 with the versions on disk and what to do."""
    from keras_gans import cli

    model_file = tmp_path / "generator.keras"
    tiny_generator().save(model_file)
    argv = ["export", str(model_file), "--name", "g", "--base", str(tmp_path / "export")]
    assert cli.main(argv) == 0
    assert cli.main(argv + ["--version", "1"]) == 2
    err = capsys.readouterr().err
    assert "keras-gans export: error:" in err and "Traceback" not in err
    assert "versions of 'g' on disk: 1" in err and "Leave out the version to write 2" in err
