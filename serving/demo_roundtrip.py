"""The end of `make demo`: export a run's generator, serve it, fetch images over REST and gRPC.

    python serving/demo_roundtrip.py RUN_DIR [--name fashion_dcgan] [--base export] [--port 8501]

Runs `keras-gans serve` as its own process (as a deployment would) with the `models.config`
that the export wrote (the file `docker compose up` gives TF Serving), waits until the status
endpoint reports the new version AVAILABLE, fetches images through `keras_gans.serving.Client`
(REST, port 8501) and `GrpcClient` (gRPC, port 8500), writes them as PNGs and stops the server.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import keras_gans
from keras_gans.images import save_image_grid
from keras_gans.serving import Client, ServingClientError
from keras_gans.serving.grpc_client import GrpcClient


def free_port(preferred: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            probe.bind(("127.0.0.1", 0))
            return probe.getsockname()[1]


def latent_dim(version_dir) -> int:
    from keras_gans.exporting import read_provenance

    return int(read_provenance(version_dir)["latent_dim"])


def wait_until_available(client: Client, server: subprocess.Popen, version: str,
                         timeout: float = 180.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"keras-gans serve exited with code {server.returncode} before it was ready.")
        try:
            status = client.status()
            entry = next((v for v in status["model_version_status"] if v["version"] == version), None)
            if entry is not None and entry["state"] == "AVAILABLE":
                return status
        except (ServingClientError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"The server did not report the model AVAILABLE within {timeout:.0f} s.")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run_dir")
    parser.add_argument("--name", default="fashion_dcgan")
    parser.add_argument("--base", default="export")
    parser.add_argument("--port", type=int, default=8501)
    parser.add_argument("--grpc-port", type=int, default=8500)
    parser.add_argument("-n", type=int, default=16, help="images to fetch")
    args = parser.parse_args(argv)

    version_dir = keras_gans.export(args.run_dir, name=args.name, base=args.base)
    print(f"exported:  {version_dir}")

    port, grpc_port = free_port(args.port), free_port(args.grpc_port)
    url = f"http://127.0.0.1:{port}"
    config = Path(args.base) / "models.config"
    command = [sys.executable, "-m", "keras_gans.cli", "serve", args.base, "--port", str(port),
               "--grpc-port", str(grpc_port), "--model_config_file", str(config)]
    server = subprocess.Popen(command, env=dict(os.environ, PYTHONUNBUFFERED="1"))
    try:
        client = Client(url, args.name)
        status = wait_until_available(client, server, version_dir.name)
        states = [f"{v['version']} {v['state']}" for v in status["model_version_status"]]
        print(f"serving:   {url}/v1/models/{args.name} ({', '.join(states)}; config {config})")
        out = Path(args.run_dir) / "served"
        seeds = list(range(args.n))
        paths = client.write_pngs(seeds, out)
        images = client.predict(np.random.default_rng(0).standard_normal((args.n, latent_dim(version_dir))))
        grid = save_image_grid(images, str(out / "grid.png"))
        print(f"fetched:   {len(paths)} PNGs encoded by the server over REST (generate_from_seed) -> {out}/seed_*.png")
        print(f"grid:      {grid} ({args.n} images from serving_default, row format)")
        with GrpcClient(f"127.0.0.1:{grpc_port}", args.name) as grpc_client:
            pngs = grpc_client.generate_from_seed(seeds)["png"]
        same = all(png == path.read_bytes() for png, path in zip(pngs, paths))
        print(f"gRPC:      {len(pngs)} PNGs from 127.0.0.1:{grpc_port} (PredictionService.Predict), "
              f"{'byte-identical to' if same else 'DIFFERENT from'} the REST ones")
        if not same:
            raise SystemExit("REST and gRPC answers differ for the same seeds.")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
