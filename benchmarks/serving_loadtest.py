"""Load test of the local TF-Serving-compatible server, batching off against on (not a test:
it prints figures).

    .venv/bin/python benchmarks/serving_loadtest.py [--clients 1 8 32] [--duration 10] [--rounds 2]

Exports the generator `make demo` serves (DCGAN, latent 100 -> 28x28x1, width 64; untrained:
serving cost does not depend on the weights) and starts `keras-gans serve` twice, each in its
own process as deployed: without batching, and with `--enable_batching
--batching_parameters_file serving/batching_cpu.config` (`--batching-file` to try another, e.g.
the GPU-tuned serving/batching.config). For each protocol (REST, gRPC) and client count, closed-loop
clients send one-image `serving_default` requests; the two servers are measured alternately,
`--rounds` times, so both see the same machine load. Prints requests/s and p50/p99 latency per
cell and the on/off throughput ratio. Pass --url/--model to measure one running server (TF
Serving included) instead.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import keras_gans  # noqa: F401  (selects the TensorFlow backend before keras is imported)

BATCHING_FILE = Path(__file__).resolve().parents[1] / "serving" / "batching_cpu.config"
LATENT = 100


def demo_generator():
    """The network of `make demo` (recipe dcgan, generator_width=64)."""
    import keras

    from keras_gans.networks.dcgan import DCGANGenerator

    keras.utils.set_random_seed(0)
    generator = DCGANGenerator(LATENT, (28, 28, 1), width=64)
    generator(keras.ops.zeros((1, LATENT)))
    return generator


def measure(url, model, clients, duration, grpc_target=None, processes=1):
    from keras_gans.serving.loadtest import run_loadtest

    return run_loadtest(url, model, concurrency=clients, duration=duration,
                        grpc_target=grpc_target, processes=min(processes, clients))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serve(base, model, *flags):
    """`keras-gans serve` in its own process; yields (REST url, gRPC target) once AVAILABLE."""
    from keras_gans.serving import Client

    port, grpc_port = free_port(), free_port()
    command = [sys.executable, "-m", "keras_gans.cli", "serve", base, "--port", str(port),
               "--grpc-port", str(grpc_port), "--poll-seconds", "0", *flags]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                states = [v["state"] for v in Client(url, model).status()["model_version_status"]]
                if "AVAILABLE" in states:
                    break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{' '.join(command)} did not come up")
            time.sleep(0.3)
        yield url, f"127.0.0.1:{grpc_port}"
    finally:
        process.terminate()
        process.wait(30)


def merge(results):
    """One cell from several rounds: requests and time add up; percentiles from the worst round
    (the figures a capacity plan can rely on)."""
    requests = sum(r.requests - r.errors for r in results)
    seconds = sum(r.seconds for r in results)
    return {"rps": requests / seconds, "p50": max(r.p50_ms for r in results),
            "p99": max(r.p99_ms for r in results), "errors": sum(r.errors for r in results)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per cell and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--client-processes", type=int, default=4,
                        help="processes the clients are spread over (one process of 32 client "
                             "threads waits on its own interpreter lock and reports that as latency)")
    parser.add_argument("--protocols", nargs="+", choices=["REST", "gRPC"], default=["REST", "gRPC"])
    parser.add_argument("--url", default=None, help="measure this server instead")
    parser.add_argument("--model", default="bench")
    parser.add_argument("--batching-file", default=str(BATCHING_FILE),
                        help="BatchingParameters for the batching-on server")
    args = parser.parse_args(argv)

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {sys.version.split()[0]}; {args.duration:g} s x {args.rounds} rounds per cell",
          flush=True)
    if args.url:
        for clients in args.clients:
            print(measure(args.url, args.model, clients, args.duration,
                          processes=args.client_processes).summary(), flush=True)
        return 0

    from keras_gans.exporting import export_generator

    cells = {}
    with tempfile.TemporaryDirectory() as base:
        export_generator(demo_generator(), name=args.model, base=base, latent_dim=LATENT)
        batching = ("--enable_batching", "--batching_parameters_file", args.batching_file)
        with serve(base, args.model) as off, serve(base, args.model, *batching) as on:
            for protocol in args.protocols:
                for clients in args.clients:
                    runs = {"off": [], "on": []}
                    for _ in range(args.rounds):
                        for mode, (url, target) in (("off", off), ("on", on)):
                            grpc_target = target if protocol == "gRPC" else None
                            runs[mode].append(measure(url, args.model, clients, args.duration,
                                                      grpc_target, args.client_processes))
                    cells[protocol, clients] = {mode: merge(r) for mode, r in runs.items()}
                    print(f"# {protocol}, {clients} clients done", flush=True)
    print("\n| protocol | clients | batching | req/s | p50 ms | p99 ms | errors | on/off req/s |")
    print("|---|---|---|---|---|---|---|---|")
    for (protocol, clients), cell in cells.items():
        ratio = cell["on"]["rps"] / cell["off"]["rps"]
        for mode in ("off", "on"):
            c = cell[mode]
            print(f"| {protocol} | {clients} | {mode} | {c['rps']:.0f} | {c['p50']:.1f} | "
                  f"{c['p99']:.1f} | {c['errors']} | {f'{ratio:.2f}x' if mode == 'on' else ''} |")
    return 1 if any(c[m]["errors"] for c in cells.values() for m in c) else 0


if __name__ == "__main__":
    sys.exit(main())
