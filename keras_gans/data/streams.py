"""Numpy batches for backends without tf.data: seeded shuffle, batch, background prefetch.

A `BatchStream` reads examples by index from a random-access source (an array, or the decoded-image
cache of a folder), so shuffling permutes indices, never pixels. The index stream is the
concatenation of one permutation per epoch (seeded by `(seed, epoch)`), cut into batches, exactly
as tf.data's shuffle -> repeat -> batch would be; batch k is therefore computable without making
the k before it, which is what makes `skip` (resuming a run) free.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Callable

import numpy as np

PREFETCH_BATCHES = 4  # batches made ahead of the train step


@dataclasses.dataclass(frozen=True)
class BatchStream:
    """An iterable of batches made on a background thread, `PREFETCH_BATCHES` ahead.

    Args:
        num_examples: examples in one epoch.
        make_batch: indices `int64 [b]` -> the batch (arrays, or a tuple of arrays).
        batch_size: examples per batch.
        shuffle: a fresh permutation every epoch.
        seed: seeds the permutations; `None` draws one, so the order differs between streams.
        repeat: endless epochs; otherwise one epoch.
        drop_remainder: without `repeat`, drop the last partial batch.
        start: batches skipped from the beginning (see `skip`).
        limit: batches yielded at most (see `take`), or `None`.
    """

    num_examples: int
    make_batch: Callable
    batch_size: int
    shuffle: bool = True
    seed: int | None = None
    repeat: bool = True
    drop_remainder: bool = True
    start: int = 0
    limit: int | None = None

    def __post_init__(self):
        if self.seed is None and self.shuffle:
            # Fixed per stream, so skip/take keep meaning the same batches of this stream.
            object.__setattr__(self, "seed", int(np.random.SeedSequence().entropy % (1 << 63)))

    @property
    def num_batches(self) -> int | None:
        """Batches the stream yields; `None` when it repeats forever."""
        if self.repeat:
            total = None
        elif self.drop_remainder:
            total = self.num_examples // self.batch_size
        else:
            total = -(-self.num_examples // self.batch_size)
        if total is not None:
            total = max(0, total - self.start)
        if self.limit is not None:
            total = self.limit if total is None else min(total, self.limit)
        return total

    def skip(self, count: int) -> "BatchStream":
        return dataclasses.replace(self, start=self.start + int(count),
                                   limit=None if self.limit is None else max(0, self.limit - int(count)))

    def take(self, count: int) -> "BatchStream":
        return dataclasses.replace(self, limit=int(count) if self.limit is None else min(self.limit, int(count)))

    def map(self, fn: Callable) -> "BatchStream":
        """The same batches, each passed through `fn` (on the background thread)."""
        make_batch = self.make_batch
        return dataclasses.replace(self, make_batch=lambda indices: fn(make_batch(indices)))

    def batch_indices(self, k: int) -> np.ndarray:
        """The example indices of batch `k` (counted from the stream's true beginning)."""
        first, last = k * self.batch_size, (k + 1) * self.batch_size
        if not self.repeat:
            last = min(last, self.num_examples)
        parts, position = [], first
        while position < last:
            epoch, offset = divmod(position, self.num_examples)
            take = min(last - position, self.num_examples - offset)
            parts.append(self._epoch_order(epoch)[offset : offset + take])
            position += take
        return np.concatenate(parts)

    def _epoch_order(self, epoch: int) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.num_examples)
        return np.random.default_rng([self.seed, epoch]).permutation(self.num_examples)

    def __iter__(self):
        """A generator (what Keras's `fit` takes from Python), fed by a producer thread."""
        ready, stop = queue.Queue(PREFETCH_BATCHES), threading.Event()
        count = self.num_batches
        producer = threading.Thread(target=self._produce, args=(ready, stop, count), daemon=True,
                                    name="keras_gans-batches")
        producer.start()
        try:
            while True:
                kind, item = ready.get()
                if kind == "end":
                    return
                if kind == "error":
                    raise item
                yield item
        finally:
            stop.set()

    def _produce(self, ready, stop, count):
        k = self.start
        try:
            while (count is None or k < self.start + count) and not stop.is_set():
                self._put(ready, stop, ("batch", self.make_batch(self.batch_indices(k))))
                k += 1
            self._put(ready, stop, ("end", None))
        except BaseException as error:  # handed to the consumer, which raises it in its thread
            self._put(ready, stop, ("error", error))

    @staticmethod
    def _put(ready, stop, item):
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return
            except queue.Full:
                continue


@dataclasses.dataclass(frozen=True)
class ZippedStreams:
    """`(a, b)` batches from independently shuffled streams (unpaired image-to-image domains)."""

    streams: tuple

    @property
    def num_batches(self) -> int | None:
        counts = [s.num_batches for s in self.streams if s.num_batches is not None]
        return min(counts) if counts else None

    def skip(self, count: int) -> "ZippedStreams":
        return ZippedStreams(tuple(s.skip(count) for s in self.streams))

    def take(self, count: int) -> "ZippedStreams":
        return ZippedStreams(tuple(s.take(count) for s in self.streams))

    def __iter__(self):
        yield from zip(*self.streams)


def fit_input(dataset):
    """What Keras's `fit` takes: a `tf.data.Dataset` as it is, a stream as a generator of tuples
    (Keras wants `(x,)` or `(x, y)` from a Python generator; `images_of` reads either)."""
    if isinstance(dataset, (BatchStream, ZippedStreams)):
        return (batch if isinstance(batch, tuple) else (batch,) for batch in dataset)
    return dataset
