"""The TensorFlow side: a stateful step under `tf.GradientTape`, as Keras's TF trainer runs it.

Under a `tf.distribute` strategy Keras calls the step once per replica on that replica's slice of
the global batch, and Keras's optimizer *sums* the replicas' gradients. Losses here are means
over the local slice, so `loss_gradients` divides by the replica count: the sum of the replicas'
gradients is then the gradient of the mean over the global batch, the same update one device
makes with the whole batch.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence

import tensorflow as tf


def input_gradients(fn: Callable, inputs):
    """Gradient of `sum(fn(inputs))` with respect to `inputs`, itself differentiable.

    Because the tape is created inside any outer tape, the returned gradient can be
    differentiated again (double backpropagation, as the gradient penalty and R1 need).
    """
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = fn(inputs)
        total = tf.reduce_sum(outputs)
    return tape.gradient(total, inputs)


def loss_gradients(loss_fn: Callable, variables: Sequence):
    """Runs `loss_fn()` -> `(loss, aux)`; returns `(loss, aux, gradients wrt variables)`."""
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
        replica_share = loss / tf.cast(_replicas(), loss.dtype)
    return loss, aux, tape.gradient(replica_share, variables)


def gradient_norm(grads):
    """Norm of the replica's gradient of its local mean loss (the optimizer all-reduces the
    gradients themselves; one more all-reduce of every gradient only for this diagnostic would
    double the traffic). Averaged over replicas, it equals the global norm on one device and
    exceeds it by the replicas' disagreement on several."""
    total = tf.add_n([tf.reduce_sum(tf.square(tf.cast(g, "float32"))) for g in grads if g is not None])
    return tf.sqrt(total) * tf.cast(_replicas(), "float32")


def train_step(model, step_fn, data):
    """Keras's TF trainer calls `train_step(data)` (per replica) and keeps the variables itself."""
    logs = step_fn(data)
    if _multi_worker():
        # Keras reduces a multi-worker run's logs with `strategy.reduce(MEAN, v, axis=0)`, which
        # needs an axis 0: each value gains one, and comes out of the mean as it went in.
        logs = {name: tf.expand_dims(value, 0) for name, value in logs.items()}
    return logs


def _multi_worker() -> bool:
    extended = tf.distribute.get_strategy().extended
    return bool(getattr(extended, "_in_multi_worker_mode", lambda: False)())


def replica_batch(local_batch):
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return None
    replica = tf.cast(context.replica_id_in_sync_group, "int32")
    return local_batch * context.num_replicas_in_sync, replica * local_batch


def mean_over_replicas(x):
    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return x
    return context.all_reduce(tf.distribute.ReduceOp.MEAN, x)


def _replicas() -> int:
    return tf.distribute.get_strategy().num_replicas_in_sync


def apply_gradients(optimizer, grads, variables) -> None:
    """`optimizer.apply`: Keras's TF optimizer sums the replicas' gradients and updates in place."""
    optimizer.apply(grads, variables)


def replicas() -> int:
    """Data-parallel replicas of the strategy in scope (1 outside any)."""
    return _replicas()


def xla_by_default() -> bool:
    """Whether `jit_compile: auto` compiles with XLA: only where an accelerator is visible.

    Keras's own rule. On a CPU every core recipe measured as fast or faster without XLA (2-core CPU,
    TF 2.21: DCGAN 1.05-1.2x, WGAN-GP 1.3x), and a lazy regularizer's skipped steps cost nothing
    only without it: XLA runs convolutions inside a conditional far slower on a CPU.
    """
    return any(device.device_type != "CPU" for device in tf.config.list_physical_devices())


def bfloat16_by_default() -> bool:
    """Whether `precision: auto` computes in bfloat16: where the device has bfloat16 arithmetic.

    GPUs of compute capability 8.0 and later, and CPUs whose flags list AVX512_BF16 or AMX (oneDNN's
    bfloat16 kernels: DCGAN made 1.17x float32's steps on the project's 2-core CPU, the same FID per
    step). Elsewhere bfloat16 is converted to and from float32 around every op, slower than float32.
    """
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        return all(tf.config.experimental.get_device_details(gpu).get("compute_capability", (0, 0)) >= (8, 0)
                   for gpu in gpus)
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def cpu_flags() -> set:
    """The CPU's feature flags as Linux lists them (an empty set elsewhere)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return next((set(line.split(":", 1)[1].split()) for line in cpuinfo if line.startswith("flags")), set())
    except OSError:
        return set()


@contextlib.contextmanager
def data_parallel():
    """Every visible device (or every worker of `TF_CONFIG`) trains on its slice of the batch.

    A strategy the caller already entered (`with tf.distribute.MirroredStrategy().scope():`) is
    used as it is.
    """
    if tf.distribute.has_strategy():
        yield tf.distribute.get_strategy()
        return
    if os.environ.get("TF_CONFIG"):
        try:
            strategy = tf.distribute.MultiWorkerMirroredStrategy()
        except RuntimeError as error:
            raise RuntimeError(
                "A multi-worker run (TF_CONFIG is set) must create its strategy before TensorFlow "
                f"runs anything ({error}). Call keras_gans.fit(..., distributed=True) before other "
                "TensorFlow work in the process, or create tf.distribute.MultiWorkerMirroredStrategy() "
                "first and call fit inside `with strategy.scope():`."
            ) from None
    else:
        strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        yield strategy


def is_chief() -> bool:
    """Whether this process writes the run's files: worker 0 of a multi-worker run, else True."""
    strategy = tf.distribute.get_strategy()
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not getattr(resolver, "task_type", None):
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker" and resolver.task_id == 0)


def sync_model_state(model) -> None:
    """Nothing to do: TensorFlow's `fit` updates the variables in place."""
