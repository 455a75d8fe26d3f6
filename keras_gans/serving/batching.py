"""Server-side batching: concurrent requests to one signature merged into one model call.

Follows TF Serving's BatchingSession over a SharedBatchScheduler (batching/batching_session.cc):
a request joins the open batch unless it would overflow `max_batch_size`, which closes that
batch and opens another; a batch runs when it is full, or when a batch thread is free and
`batch_timeout_micros` have passed since it opened; at most `max_enqueued_batches` wait, beyond
that a request fails with UNAVAILABLE. A merged batch is padded up to the next
`allowed_batch_sizes` entry with copies of the first row of its last request.

One status for the whole batch: if the merged call fails (a NaN in one request's `z` trips
CheckNumerics), every request in that batch gets that error, as in TF Serving's
`ProcessBatch`. Clients that need isolation send such inputs with batching off or retry alone.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from keras_gans.serving.config_files import BatchingOptions
from keras_gans.serving.errors import ServingError, invalid


@dataclass
class _Task:
    inputs: dict
    size: int
    done: threading.Event = field(default_factory=threading.Event)
    outputs: dict | None = None
    error: Exception | None = None


@dataclass
class _Batch:
    opened: float
    tasks: list = field(default_factory=list)
    size: int = 0
    closed: bool = False


def task_too_large(size: int, limit: int) -> ServingError:
    return invalid(f"Task size {size} is larger than maximum input batch size {limit}")


class Batcher:
    """Merges `run(inputs)` calls for one function `fn(inputs) -> outputs` (dicts of arrays,
    batch first).

    Args:
        fn: the model call on a merged batch.
        options: `BatchingOptions` from the batching parameters file.
    """

    def __init__(self, fn, options: BatchingOptions):
        self.fn = fn
        self.options = options
        self._timeout = options.batch_timeout_micros / 1e6
        self._batches: deque[_Batch] = deque()
        self._cond = threading.Condition()
        self._stopped = False
        self._threads = [threading.Thread(target=self._work, daemon=True, name="batch")
                         for _ in range(options.num_batch_threads)]
        for thread in self._threads:
            thread.start()

    def run(self, inputs: dict, size: int) -> dict:
        limit = self.options.max_batch_size
        if size > limit:
            raise task_too_large(size, limit)
        task = _Task(inputs, size)
        with self._cond:
            if self._stopped:
                raise ServingError("UNAVAILABLE", "The model version is being unloaded")
            batch = self._batches[-1] if self._batches else None
            if batch is None or batch.closed or batch.size + size > limit:
                if batch is not None:
                    batch.closed = True
                if len(self._batches) >= self.options.max_enqueued_batches:
                    raise ServingError("UNAVAILABLE", "The batch scheduling queue to which this "
                                       "task was submitted is full")
                batch = _Batch(opened=time.monotonic())
                self._batches.append(batch)
            batch.tasks.append(task)
            batch.size += size
            batch.closed = batch.size >= limit
            self._cond.notify()
        task.done.wait()
        if task.error is not None:
            raise task.error
        return task.outputs

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout=10)

    def _next_batch(self) -> _Batch | None:
        with self._cond:
            while not self._stopped or self._batches:
                if self._batches:
                    batch = self._batches[0]
                    wait = batch.opened + self._timeout - time.monotonic()
                    if batch.closed or wait <= 0 or self._stopped:
                        batch.closed = True
                        return self._batches.popleft()
                    self._cond.wait(wait)
                else:
                    self._cond.wait()
            return None

    def _work(self) -> None:
        while (batch := self._next_batch()) is not None:
            self._process(batch)

    def _padded_size(self, size: int) -> int:
        return next((s for s in self.options.allowed_batch_sizes if s >= size), size)

    def _process(self, batch: _Batch) -> None:
        tasks = batch.tasks
        try:
            padding = self._padded_size(batch.size) - batch.size
            merged = {}
            for name in tasks[0].inputs:
                parts = [t.inputs[name] for t in tasks]
                if padding:
                    parts.append(np.repeat(parts[-1][:1], padding, axis=0))
                merged[name] = np.concatenate(parts)
            outputs = self.fn(merged)
            offsets = np.cumsum([0] + [t.size for t in tasks])
            for name, value in outputs.items():
                if value.shape[:1] != (batch.size + padding,):
                    raise ServingError("INTERNAL", f"Batched output tensor {name} has 0th "
                                       f"dimension {value.shape[:1]}; expected {batch.size + padding}")
            for i, task in enumerate(tasks):
                task.outputs = {k: v[offsets[i]:offsets[i + 1]] for k, v in outputs.items()}
        except Exception as err:  # one status for every request of the batch
            for task in tasks:
                task.error = err
        finally:
            for task in tasks:
                task.done.set()
