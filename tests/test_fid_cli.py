"""`keras-gans fid` and `fid-stats` on real files: image folders, .npz, datasets, runs, statistics.

Each side holds a handful of images (the FID network runs ~15 images/s on 2 CPU cores); with fewer
images than feature dims the covariances are singular, which the FID math handles exactly.
"""

import json

import numpy as np
import pytest
from PIL import Image

import keras_gans
from keras_gans.cli import main
from keras_gans.metrics.fashion_mnist import load_fashion_mnist

N = 6


@pytest.fixture(scope="module")
def fashion():
    return load_fashion_mnist("test")[0]


def _fid(capsys, *args):
    assert main(["fid", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow  # each command loads the FID network (~20 s of a 2-core CPU)
def test_fid_of_a_folder_and_the_npz_of_the_same_images_is_zero(tmp_path, fashion, capsys):
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, image in enumerate(fashion[:N]):
        Image.fromarray(image).save(folder / f"{i:03d}.png")
    np.savez(tmp_path / "same.npz", images=fashion[:N])
    np.savez(tmp_path / "other.npz", images=fashion[N : 2 * N])
    same = _fid(capsys, folder, tmp_path / "same.npz")
    assert same["fid"] == pytest.approx(0.0, abs=1e-3) and same["a_num_samples"] == same["b_num_samples"] == N
    assert "resize_bilinear" in same["a_protocol"] and same["a_protocol"] == same["b_protocol"]
    other = _fid(capsys, folder, tmp_path / "other.npz")
    assert other["fid"] > 10.0


@pytest.mark.slow
def test_fid_stats_file_stands_in_for_its_source_and_datasets_take_a_split(tmp_path, fashion, capsys):
    np.savez(tmp_path / "real.npz", images=fashion[:N])
    stats = tmp_path / "stats.npz"
    assert main(["fid-stats", "fashion_mnist:test", "--num-samples", str(N), "-o", str(stats)]) == 0
    assert "6 images of fashion_mnist:test" in capsys.readouterr().out
    with np.load(stats) as stored:
        assert stored["mu"].shape == (2048,) and stored["sigma"].shape == (2048, 2048)
        assert int(stored["num_samples"]) == N and "resize_bilinear" in str(stored["protocol"])
    # The first N test images are the same images as real.npz, read through keras_gans.data.
    assert _fid(capsys, stats, tmp_path / "real.npz")["fid"] == pytest.approx(0.0, abs=1e-3)
    # Statistics in the TTUR / pytorch-fid format (mu and sigma only) are read as they are.
    with np.load(stats) as stored:
        np.savez(tmp_path / "published.npz", mu=stored["mu"] + 1.0, sigma=stored["sigma"])
    report = _fid(capsys, stats, tmp_path / "published.npz")
    assert report["fid"] == pytest.approx(2048.0, rel=1e-4) and report["b_protocol"].startswith("unknown")


@pytest.mark.slow
def test_fid_of_a_run_samples_its_generator(tiny, tmp_path, fashion, capsys):
    keras_gans.fit("dcgan", dataset="fashion_mnist", steps=2, seed=0, run_dir=tmp_path / "run", verbose=0,
                   tensorboard=False, **tiny)
    np.savez(tmp_path / "real.npz", images=fashion[:N])
    report = _fid(capsys, tmp_path / "run", tmp_path / "real.npz", "--num-samples", N)
    assert report["a_num_samples"] == N and report["fid"] > 50.0  # two steps of training: far from real


@pytest.mark.parametrize("args, message", [
    (["fid", "no_such_dataset", "fashion_mnist"], "is no dataset"),
    (["fid", "fashion_mnist", "fashion_mnist", "--num-samples", "1"], "at least 2"),
    (["fid-stats", "{bad_npz}", "-o", "{out}"], "expected mu and sigma, an 'images' array"),
    (["fid", "{empty}", "fashion_mnist"], "holds no image files"),
])
def test_bad_sources_exit_2_with_a_clear_message(tmp_path, capsys, args, message):
    np.savez(tmp_path / "bad.npz", x=np.zeros(3), y=np.ones(3))
    (tmp_path / "empty").mkdir()
    paths = {"bad_npz": tmp_path / "bad.npz", "out": tmp_path / "o.npz", "empty": tmp_path / "empty"}
    assert main([a.format(**paths) for a in args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
