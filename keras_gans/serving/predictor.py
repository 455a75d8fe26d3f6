"""What REST and gRPC predict requests share: version lookup, input checks, batching, metrics."""

from __future__ import annotations

import threading
import time

import numpy as np

from keras_gans.serving.batching import Batcher, task_too_large
from keras_gans.serving.config_files import BatchingOptions
from keras_gans.serving.errors import ServingError, invalid
from keras_gans.serving.metrics import ServingMetrics
from keras_gans.serving.repository import LoadedVersion, ModelRepository


def _tf_message(err: Exception) -> str:
    """The TF runtime's own message, without the Python-side "Graph execution error" preamble."""
    text = getattr(err, "message", None) or str(err)
    marker = "<stack traces unavailable>\n"
    if marker in text:
        text = text.split(marker, 1)[1]
    return text.strip()


def run_signature(fn, arrays: dict) -> dict:
    """Calls a concrete function; TF's errors become TF Serving's statuses."""
    import tensorflow as tf

    try:
        result = fn(**{k: tf.constant(v) for k, v in arrays.items()})
    except tf.errors.InvalidArgumentError as err:
        raise invalid(_tf_message(err)) from None
    except tf.errors.ResourceExhaustedError as err:
        raise ServingError("RESOURCE_EXHAUSTED", _tf_message(err)) from None
    except (TypeError, ValueError) as err:  # the signature call rejected the tensors
        raise invalid(str(err)) from None
    return {k: np.asarray(v.numpy()) for k, v in result.items()}


class Predictor:
    """Runs predict requests against a `ModelRepository`.

    Args:
        repository: where versions come from.
        batching: `BatchingOptions` to merge concurrent requests (None: each request runs alone).
        max_batch_size: without batching, a local guard against huge requests (None: no limit,
            as TF Serving without batching); with batching the options' max_batch_size rules.
        metrics: a `ServingMetrics` to record into, or None.
    """

    def __init__(self, repository: ModelRepository, *, batching: BatchingOptions | None = None,
                 max_batch_size: int | None = None, metrics: ServingMetrics | None = None):
        self.repository = repository
        self.batching = batching
        self.max_batch_size = batching.max_batch_size if batching else max_batch_size
        self.metrics = metrics
        self._live: set = set()  # LoadedVersions with batchers
        self._lock = threading.Lock()
        repository.on_unload = self._drop_batchers

    def signature_def(self, loaded: LoadedVersion, signature: str, grpc: bool = False):
        if signature not in loaded.signature_defs or signature.startswith("__"):
            if grpc:  # predict_util.cc words it differently from the REST handler
                raise ServingError("FAILED_PRECONDITION",
                                   f'Serving signature key "{signature}" not found.')
            raise invalid(f'Serving signature name: "{signature}" not found in signature def')
        return loaded.signature_defs[signature]

    def check_inputs(self, arrays: dict, sig_def) -> int:
        """Shapes against the SignatureDef (TF Serving leaves this to the TF runtime, with the
        same 400; checking first names the input). Returns the batch size."""
        sent, wanted = set(arrays), set(sig_def.inputs)
        if sent != wanted:
            raise invalid(
                f"input size does not match signature: {len(sent)}!={len(wanted)} "
                f"len({{{','.join(sorted(sent))}}}) != len({{{','.join(sorted(wanted))}}}). "
                f"Sent extra: {{{','.join(sorted(sent - wanted))}}}. "
                f"Missing but required: {{{','.join(sorted(wanted - sent))}}}.")
        for key, array in arrays.items():
            shape = sig_def.inputs[key].tensor_shape
            if shape.unknown_rank:
                continue
            dims = [d.size for d in shape.dim]
            if len(dims) != array.ndim or any(d >= 0 and d != s for d, s in zip(dims, array.shape)):
                want = "[" + ",".join(str(d) for d in dims) + "]"
                got = "[" + ",".join(str(s) for s in array.shape) + "]"
                raise invalid(f"Input '{key}' has shape {got}; the signature expects {want}")
        batch = {int(a.shape[0]) for a in arrays.values() if a.ndim}
        if len(batch) > 1:
            raise invalid(
                "Batching Run() input tensors must have equal 0th-dimension size; got "
                + ", ".join(f"{k}: {a.shape[0] if a.ndim else '-'}" for k, a in arrays.items()))
        size = max(batch) if batch else 1
        if size == 0:
            raise invalid("Input batch is empty")
        if self.max_batch_size is not None and size > self.max_batch_size:
            raise task_too_large(size, self.max_batch_size)
        return size

    def run(self, loaded: LoadedVersion, signature: str, arrays: dict, size: int) -> dict:
        fn = loaded.signatures[signature]
        with self._lock:
            batcher = None
            if self.batching is not None and not loaded.retired:
                batcher = loaded.batchers.get(signature)
                if batcher is None:
                    key = (loaded.name, loaded.version, signature)
                    batcher = Batcher(lambda merged: self._run_merged(fn, key, merged),
                                      self.batching)
                    loaded.batchers[signature] = batcher
                    self._live.add(loaded)
        if batcher is None:  # no batching, or a request that raced its version's unload
            return run_signature(fn, arrays)
        return batcher.run(arrays, size)

    def _run_merged(self, fn, key, merged: dict) -> dict:
        if self.metrics is not None:
            self.metrics.record_batch(*key, size=len(next(iter(merged.values()))))
        return run_signature(fn, merged)

    def _drop_batchers(self, loaded: LoadedVersion) -> None:
        with self._lock:
            loaded.retired = True
            self._live.discard(loaded)
            batchers = list(loaded.batchers.values())
        for batcher in batchers:  # in-flight batches finish; the stop must not block a scan
            threading.Thread(target=batcher.stop, daemon=True).start()

    def predict(self, name, version, label, signature: str, parse, *, entrypoint: str,
                grpc: bool = False):
        """Resolves the version, parses the inputs with `parse(sig_def) -> (arrays, extra)`,
        checks and runs them. Returns (loaded, outputs, extra); records metrics either way."""
        start = time.perf_counter()
        loaded = None
        status = "OK"
        try:
            loaded = self.repository.get(name, version, label)
            sig_def = self.signature_def(loaded, signature, grpc)
            arrays, extra = parse(sig_def)
            size = self.check_inputs(arrays, sig_def)
            return loaded, self.run(loaded, signature, arrays, size), extra
        except ServingError as err:
            status = err.code
            raise
        except Exception:
            status = "UNKNOWN"
            raise
        finally:
            if self.metrics is not None:
                self.metrics.record(model=name, version=loaded.version if loaded else version,
                                    signature=signature, api="predict", entrypoint=entrypoint,
                                    status=status, seconds=time.perf_counter() - start)

    def stop(self) -> None:
        with self._lock:
            batchers = [b for loaded in self._live for b in loaded.batchers.values()]
            self._live.clear()
        for batcher in batchers:
            batcher.stop()
