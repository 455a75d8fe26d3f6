"""Closed-loop load test of a TF Serving endpoint (REST, or gRPC with `--grpc TARGET`): C
clients, each sends its next request when the previous one returns, until the time or request
budget runs out.

    keras-gans loadtest --url http://127.0.0.1:8501 --model dcgan --concurrency 8 --duration 20
    keras-gans loadtest --grpc 127.0.0.1:8500 --model dcgan --concurrency 32
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

from keras_gans.serving.client import Client, ServingClientError

SIGNATURES = ("serving_default", "generate_from_seed")


@dataclass
class LoadTestResult:
    """Figures of one load test; latencies in milliseconds over successful requests."""

    requests: int
    errors: int
    error_kinds: dict
    seconds: float
    throughput_rps: float
    images_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    concurrency: int
    batch_size: int
    signature: str

    def summary(self) -> str:
        return (
            f"{self.requests} requests ({self.errors} errors) in {self.seconds:.1f} s with "
            f"{self.concurrency} clients, batch {self.batch_size}, {self.signature}: "
            f"{self.throughput_rps:.1f} req/s, {self.images_per_second:.1f} images/s; latency "
            f"p50 {self.p50_ms:.1f} ms, p95 {self.p95_ms:.1f} ms, p99 {self.p99_ms:.1f} ms, "
            f"max {self.max_ms:.1f} ms"
        )


def _latent_dim(client: Client) -> int:
    sig = client.metadata()["metadata"]["signature_def"]["signature_def"]["serving_default"]
    return int(sig["inputs"]["z"]["tensor_shape"]["dim"][-1]["size"])


def run_loadtest(url: str, model: str, *, concurrency: int = 8, duration: float = 20.0,
                 max_requests: int | None = None, batch_size: int = 1,
                 signature: str = "serving_default", version: int | None = None,
                 label: str | None = None, timeout: float = 30.0,
                 grpc_target: str | None = None, processes: int = 1) -> LoadTestResult:
    """Runs the load test and returns its figures; bounded by `duration` and `max_requests`.

    With `grpc_target` ("host:port") the requests go over gRPC, one channel per client; the
    latent size is still read over REST from `url`. A request counts as an error when it raises
    (HTTP or gRPC error, timeout, refused connection); errors are tallied by kind, not retried.
    `processes` > 1 spreads the clients over that many processes: one Python process of many
    client threads queues them on its own interpreter lock, which then shows as server latency.
    """
    if signature not in SIGNATURES:
        raise ValueError(f"signature must be one of {SIGNATURES}, got {signature!r}")
    if concurrency < 1 or duration <= 0 or not 1 <= processes <= concurrency:
        raise ValueError("concurrency must be >= 1, duration > 0 and 1 <= processes <= concurrency")
    client = Client(url, model, version=version, label=label, timeout=timeout)
    latent = _latent_dim(client) if signature == "serving_default" else None
    plan = dict(url=url, model=model, batch_size=batch_size, latent=latent, version=version,
                label=label, timeout=timeout, grpc_target=grpc_target)
    shares = [concurrency // processes + (i < concurrency % processes) for i in range(processes)]
    budgets = ([None] * processes if max_requests is None else
               [max_requests // processes + (i < max_requests % processes) for i in range(processes)])
    firsts = np.cumsum([0] + shares[:-1]).tolist()
    if processes == 1:
        parts = [_drive(plan, concurrency, 0, duration, max_requests, time.time())]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(_ready, [plan] * processes))  # imports done before the clock starts
            start = time.time() + 0.2
            parts = list(pool.map(_drive, [plan] * processes, shares, firsts, [duration] * processes,
                                  budgets, [start] * processes))
    latencies = [x for part in parts for x in part[0]]
    kinds = sum((Counter(part[1]) for part in parts), Counter())
    seconds = max(part[2] for part in parts)

    ms = np.asarray(latencies) * 1000.0
    pct = (lambda q: float(np.percentile(ms, q))) if len(ms) else (lambda q: float("nan"))
    ok = len(latencies)
    return LoadTestResult(
        requests=ok + sum(kinds.values()),
        errors=sum(kinds.values()),
        error_kinds=dict(kinds),
        seconds=seconds,
        throughput_rps=ok / seconds,
        images_per_second=ok * batch_size / seconds,
        p50_ms=pct(50),
        p95_ms=pct(95),
        p99_ms=pct(99),
        mean_ms=float(ms.mean()) if ok else float("nan"),
        max_ms=float(ms.max()) if ok else float("nan"),
        concurrency=concurrency,
        batch_size=batch_size,
        signature=signature,
    )


def _ready(plan: dict) -> bool:
    if plan["grpc_target"] is not None:
        import keras_gans.serving.grpc_client  # noqa: F401  (its protos take seconds to import)
    return True


def _drive(plan: dict, clients: int, first: int, duration: float, max_requests, start: float):
    """`clients` closed-loop client threads from `start` (epoch seconds) for `duration`:
    (latencies in seconds, error counts by kind, seconds taken)."""
    lock = threading.Lock()
    latencies: list[float] = []
    kinds: Counter = Counter()
    issued = 0

    def take_ticket() -> bool:
        nonlocal issued
        with lock:
            if max_requests is not None and issued >= max_requests:
                return False
            issued += 1
            return True

    def connect():
        if plan["grpc_target"] is None:
            return Client(plan["url"], plan["model"], version=plan["version"], label=plan["label"],
                          timeout=plan["timeout"])
        from keras_gans.serving.grpc_client import GrpcClient

        return GrpcClient(plan["grpc_target"], plan["model"], version=plan["version"],
                          label=plan["label"], timeout=plan["timeout"])

    def worker(index: int, own) -> None:
        rng = np.random.default_rng(index)
        batch, latent = plan["batch_size"], plan["latent"]
        while time.perf_counter() < deadline and take_ticket():
            begun = time.perf_counter()
            try:
                if latent is not None:
                    own.predict(z=rng.standard_normal((batch, latent)))
                else:
                    own.generate_from_seed(rng.integers(0, 2**31, batch))
            except ServingClientError as err:
                with lock:
                    kinds[f"HTTP {err.status}"] += 1
                continue
            except RuntimeError as err:
                with lock:
                    kinds[getattr(err, "code", type(err).__name__)] += 1
                continue
            except Exception as err:  # timeouts, refused connections, bad JSON
                with lock:
                    kinds[type(err).__name__] += 1
                continue
            with lock:
                latencies.append(time.perf_counter() - begun)
        if hasattr(own, "close"):
            own.close()

    connections = [connect() for _ in range(clients)]
    time.sleep(max(0.0, start - time.time()))
    began = time.perf_counter()
    deadline = began + duration
    threads = [threading.Thread(target=worker, args=(first + i, own), daemon=True)
               for i, own in enumerate(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, dict(kinds), time.perf_counter() - began


def _loadtest(args) -> int:
    result = run_loadtest(args.url, args.model, concurrency=args.concurrency,
                          duration=args.duration, max_requests=args.max_requests,
                          batch_size=args.batch_size, signature=args.signature,
                          version=args.version, label=args.label, grpc_target=args.grpc,
                          processes=args.processes)
    print(json.dumps(asdict(result), indent=2) if args.json else result.summary())
    return 1 if result.errors else 0


def register(subparsers) -> None:
    """Adds `keras-gans loadtest`."""
    p = subparsers.add_parser("loadtest", help="throughput and latency of a served generator")
    p.add_argument("--url", default="http://127.0.0.1:8501")
    p.add_argument("--grpc", default=None, metavar="HOST:PORT",
                   help="send the requests over gRPC to this target (TF Serving's 8500)")
    p.add_argument("--model", required=True)
    p.add_argument("--concurrency", type=int, default=8, help="parallel clients")
    p.add_argument("--duration", type=float, default=20.0, help="seconds")
    p.add_argument("--processes", type=int, default=1,
                   help="client processes the clients are spread over (one Python process of "
                        "many threads adds its own lock waits to the latencies)")
    p.add_argument("--max-requests", type=int, default=None, help="stop after this many")
    p.add_argument("--batch-size", type=int, default=1, help="images per request")
    p.add_argument("--signature", choices=SIGNATURES, default="serving_default")
    p.add_argument("--version", type=int, default=None)
    p.add_argument("--label", default=None)
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(func=_loadtest)
