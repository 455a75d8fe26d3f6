"""`keras-gans fid A B` and `keras-gans fid-stats SOURCE -o stats.npz`: the FID of papers from the shell.

A SOURCE is a folder of images, an `.npz` of images, a dataset name with an optional split
(`fashion_mnist:test`), a run folder (its generator, `--num-samples` images) or a statistics `.npz`
with `mu` and `sigma` (the TTUR / pytorch-fid format, so published statistics work). Features come
from `FIDInception` under one protocol, printed with the value.
"""

from __future__ import annotations

import json
import os

import numpy as np

from keras_gans.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
RUN_SAMPLES = 10000  # the count papers report FID at
CHUNK = 500  # images read and featurized at a time, so a large source never sits in memory whole


def register(subparsers) -> None:
    sources = ("a folder of images, an .npz of images, a dataset name[:split], a run folder, "
               "or a statistics .npz with mu and sigma")
    fid = subparsers.add_parser("fid", help="FID between two sources (the standard Inception network)",
                                description=f"Each SOURCE is {sources}.")
    fid.add_argument("a", metavar="SOURCE_A")
    fid.add_argument("b", metavar="SOURCE_B")
    _common(fid)
    fid.add_argument("--json", action="store_true", help="print the full report as JSON")
    fid.set_defaults(func=run_fid)
    stats = subparsers.add_parser("fid-stats", help="write FID statistics (mu, sigma) of a source",
                                  description=f"SOURCE is {sources}.")
    stats.add_argument("source", metavar="SOURCE")
    stats.add_argument("-o", "--output", required=True, help="the .npz to write (mu, sigma, protocol, ...)")
    _common(stats)
    stats.set_defaults(func=run_fid_stats)


def _common(parser) -> None:
    parser.add_argument("--num-samples", type=int,
                        help=f"images per source (default: all; {RUN_SAMPLES} generated for a run folder)")
    parser.add_argument("--protocol", default="ttur", choices=("ttur", "clean"),
                        help="ttur: TF1 bilinear resize as the reference (default); clean: clean-fid's bicubic")
    parser.add_argument("--batch-size", type=int, default=50)


def statistics(source: str, extractor, num_samples=None, batch_size: int = 50) -> dict:
    """{"mu", "sigma", "num_samples", "source", "protocol"} of one SOURCE (see the module docstring).

    `extractor` is a `FeatureExtractor` or a function returning one, called only when the source
    holds images (statistics files need no network), after the source has been checked.
    """
    from keras_gans.metrics.math import mean_and_covariance

    if num_samples is not None and num_samples < 2:
        raise DataError(f"--num-samples must be at least 2 (a covariance needs two); got {num_samples}.")
    if source.endswith(".npz") and os.path.isfile(source):
        with np.load(source, allow_pickle=False) as stored:
            if "mu" in stored and "sigma" in stored:
                return _stored_statistics(source, stored)
    chunks = _image_chunks(source, num_samples, batch_size)
    extractor = extractor() if callable(extractor) else extractor
    features = [extractor.features(chunk, batch_size) for chunk in chunks]
    features = np.concatenate(features) if features else np.zeros((0, 2048), np.float32)
    if features.shape[0] < 2:
        raise DataError(f"{source} gave {features.shape[0]} image(s); FID needs at least 2 per side.")
    mu, sigma = mean_and_covariance(features)
    return {"mu": mu, "sigma": sigma, "num_samples": int(features.shape[0]), "source": source,
            "protocol": extractor.description}


def _stored_statistics(path, stored) -> dict:
    mu, sigma = np.asarray(stored["mu"], np.float64), np.asarray(stored["sigma"], np.float64)
    if mu.ndim != 1 or sigma.shape != (mu.size, mu.size):
        raise DataError(f"{path}: mu {mu.shape} and sigma {sigma.shape} are not a mean [d] and covariance [d, d].")
    protocol = str(stored["protocol"]) if "protocol" in stored else "unknown (statistics file without a protocol)"
    count = int(stored["num_samples"]) if "num_samples" in stored else None
    return {"mu": mu, "sigma": sigma, "num_samples": count, "source": path, "protocol": protocol}


def _image_chunks(source: str, num_samples, batch_size):
    """Yields image arrays (uint8 or floats in [-1, 1]) of at most CHUNK images, num_samples in all."""
    from keras_gans.data import DATASETS

    name, _, split = source.partition(":")
    if os.path.isdir(source):
        if os.path.isfile(os.path.join(source, "config.yaml")):
            return _run_images(source, num_samples or RUN_SAMPLES, batch_size)
        return _folder_images(source, num_samples)
    if source.endswith(".npz") and os.path.isfile(source):
        return _npz_images(source, num_samples)
    if name in DATASETS:
        return _dataset_images(name, split or "test", num_samples, batch_size)
    raise DataError(
        f"Cannot read images from {source!r}: no such folder or .npz, and {name!r} is no dataset. Accepted: a "
        f"folder of images ({', '.join(IMAGE_SUFFIXES)}), an .npz of images or with mu and sigma, a run folder, "
        f"or a dataset name[:split] from {', '.join(sorted(DATASETS))}."
    )


def _limited(chunks, num_samples):
    have = 0
    for chunk in chunks:
        if num_samples is not None:
            chunk = chunk[: num_samples - have]
        if len(chunk):
            yield chunk
        have += len(chunk)
        if num_samples is not None and have >= num_samples:
            return


def _folder_images(folder, num_samples):
    from PIL import Image

    files = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_SUFFIXES))
    if not files:
        raise DataError(f"{folder} holds no image files ({', '.join(IMAGE_SUFFIXES)}).")
    files = files[:num_samples] if num_samples else files

    def chunks():
        shape = None
        for start in range(0, len(files), CHUNK):
            batch = []
            for name in files[start : start + CHUNK]:
                try:
                    with Image.open(os.path.join(folder, name)) as image:
                        pixels = np.asarray(image.convert("RGB"), np.uint8)
                except OSError as error:
                    raise DataError(f"{folder}: cannot read {name} as an image ({error}).") from None
                if shape is not None and pixels.shape != shape:
                    raise DataError(f"{folder}: {name} is {pixels.shape[1]}x{pixels.shape[0]}, the first image "
                                    f"{shape[1]}x{shape[0]}; resize them to one size first.")
                shape = pixels.shape
                batch.append(pixels)
            yield np.stack(batch)

    return chunks()


def _npz_images(path, num_samples):
    with np.load(path, allow_pickle=False) as stored:
        key = "images" if "images" in stored else (stored.files[0] if len(stored.files) == 1 else None)
        if key is None:
            raise DataError(f"{path} holds {stored.files}; expected mu and sigma, an 'images' array, or one array.")
        images = stored[key]
    if images.ndim not in (3, 4) or (images.ndim == 4 and images.shape[-1] not in (1, 3)):
        raise DataError(f"{path}: '{key}' has shape {images.shape}; expected images [N, H, W] or [N, H, W, 1|3].")
    return _limited((images[i : i + CHUNK] for i in range(0, len(images), CHUNK)), num_samples)


def _dataset_images(name, split, num_samples, batch_size):
    from keras_gans.data import load_dataset

    data = load_dataset(name, batch_size=batch_size, split=split, shuffle=False, repeat=False, drop_remainder=False)

    def batches():
        for batch in data.dataset:
            yield np.asarray(batch[0] if isinstance(batch, (tuple, list)) else batch)

    return _limited(batches(), num_samples)


def _run_images(run_dir, num_samples, batch_size):
    from keras_gans.checkpoints.load import load_run
    from keras_gans.metrics.evaluate import sample_images

    run = load_run(run_dir)
    return sample_images(run.generator, num_samples, run.model.latent_dim, batch_size)


def _extractor(protocol):
    """A function building the FID network once, on first call (a missing network is a usage error)."""
    import functools

    from keras_gans.errors import ConfigError
    from keras_gans.metrics import FIDInception, InceptionWeightsMissing

    @functools.cache
    def build():
        try:
            return FIDInception(protocol=protocol)
        except InceptionWeightsMissing as error:
            raise ConfigError(str(error)) from None

    return build


def run_fid(args) -> int:
    from keras_gans.metrics.math import frechet_distance

    extractor = _extractor(args.protocol)
    sides = [statistics(s, extractor, args.num_samples, args.batch_size) for s in (args.a, args.b)]
    if sides[0]["mu"].shape != sides[1]["mu"].shape:
        raise DataError(f"The statistics have {sides[0]['mu'].size} and {sides[1]['mu'].size} dims; "
                        "FID compares 2048-d pool features of the same network.")
    value = frechet_distance(sides[0]["mu"], sides[0]["sigma"], sides[1]["mu"], sides[1]["sigma"])
    report = {"fid": value, **{f"{k}_{key}": side[key] for k, side in zip("ab", sides)
                               for key in ("source", "num_samples", "protocol")}}
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        protocol = next((s["protocol"] for s in sides if not s["protocol"].startswith("unknown")), sides[0]["protocol"])
        print(f"FID {value:.4f}  ({args.a}: {sides[0]['num_samples']} images, {args.b}: {sides[1]['num_samples']} "
              f"images; {protocol})")
        for side in sides:
            if side["protocol"] != protocol:
                print(f"warning: {side['source']} was computed with another protocol: {side['protocol']}")
    return 0


def run_fid_stats(args) -> int:
    from keras_gans.metrics.cache import atomic_path

    extractor = _extractor(args.protocol)
    stats = statistics(args.source, extractor, args.num_samples, args.batch_size)
    output = args.output if args.output.endswith(".npz") else args.output + ".npz"
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with atomic_path(output, suffix=".npz") as tmp:
        np.savez(tmp, mu=stats["mu"], sigma=stats["sigma"], num_samples=stats["num_samples"] or -1,
                 protocol=stats["protocol"], source=args.source)
    print(f"wrote {output}: {stats['num_samples']} images of {args.source}; {stats['protocol']}")
    return 0
