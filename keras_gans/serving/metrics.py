"""Prometheus metrics of the local server, in the text format TF Serving's exporter writes.

Names follow TF Serving (servables/tensorflow/util.cc, `/tensorflow/serving/request_count` and
`.../request_latency` rendered as `:tensorflow:serving:...` by util/prometheus_exporter.cc); the
latency is in microseconds with the same buckets (10 * 1.8^i, 33 of them). TF Serving labels
requests by model only; these add `version` and `signature`, so one Prometheus query can
compare a canary with the stable version.
"""

from __future__ import annotations

import threading
from collections import defaultdict

COUNT = ":tensorflow:serving:request_count"
LATENCY = ":tensorflow:serving:request_latency"
# TF Serving keeps percentiles of this; here a count of merged batches per (padded) size.
BATCH_SIZE = ":tensorflow:serving:batching_session:processed_batch_size"
BUCKETS = [10 * 1.8**i for i in range(33)]


def _labels(pairs) -> str:
    def escape(value: str) -> str:
        return str(value).replace("\\", "\\\\").replace('"', '\\"')

    return ",".join(f'{k}="{escape(v)}"' for k, v in pairs)


class ServingMetrics:
    """Request counts and latency histograms keyed by model, version, signature, API and
    entrypoint (REST or GRPC)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict = defaultdict(int)
        self._latency: dict = {}
        self._batches: dict = defaultdict(int)

    def record_batch(self, model: str, version, signature: str, size: int) -> None:
        key = (("model_name", model), ("version", str(version)), ("signature", signature),
               ("batch_size", str(size)))
        with self._lock:
            self._batches[key] += 1

    def record(self, *, model: str, version, signature: str, api: str, entrypoint: str,
               status: str, seconds: float) -> None:
        key = (("model_name", model), ("version", "" if version is None else str(version)),
               ("signature", signature), ("API", api), ("entrypoint", entrypoint))
        micros = seconds * 1e6
        with self._lock:
            self._counts[key + (("status", status),)] += 1
            buckets, total = self._latency.get(key, ([0] * len(BUCKETS), [0, 0.0]))
            for i, bound in enumerate(BUCKETS):
                if micros <= bound:
                    buckets[i] += 1
            total[0] += 1
            total[1] += micros
            self._latency[key] = (buckets, total)

    def prometheus_text(self) -> str:
        lines = [f"# TYPE {COUNT} counter"]
        with self._lock:
            for key, value in sorted(self._counts.items()):
                lines.append(f"{COUNT}{{{_labels(key)}}} {value}")
            lines.append(f"# TYPE {LATENCY} histogram")
            for key, (buckets, (count, total)) in sorted(self._latency.items()):
                for bound, n in zip(BUCKETS, buckets):
                    lines.append(f"{LATENCY}_bucket{{{_labels(key + (('le', f'{bound:g}'),))}}} {n}")
                lines.append(f"{LATENCY}_bucket{{{_labels(key + (('le', '+Inf'),))}}} {count}")
                lines.append(f"{LATENCY}_sum{{{_labels(key)}}} {total:g}")
                lines.append(f"{LATENCY}_count{{{_labels(key)}}} {count}")
            lines.append(f"# TYPE {BATCH_SIZE} counter")
            for key, value in sorted(self._batches.items()):
                lines.append(f"{BATCH_SIZE}{{{_labels(key)}}} {value}")
        return "\n".join(lines) + "\n"
