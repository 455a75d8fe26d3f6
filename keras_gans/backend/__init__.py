"""What differs per Keras backend, in one place: taking gradients, running a train step with its
state, and what distribution changes about reductions and random draws.

Everything above (regularizers, trainer, latent tools) calls these functions; losses, penalties,
layers and networks use `keras.ops` only. Keras's own trainers split the same way: a stateful
step on TensorFlow (`tf.GradientTape`, variables updated in place, `tf.distribute` replicas),
a pure function of explicit state on JAX (`jax.value_and_grad`, state in and out, arrays that
span every device).

    input_gradients(fn, x)          -> d sum(fn(x)) / dx, itself differentiable (GP, R1, R2)
    loss_gradients(loss_fn, vars)   -> (loss, aux, grads); assignments inside loss_fn still land
    apply_gradients(opt, grads, vars)  optimizer update (stateful on TF, stateless_apply on JAX)
    gradient_norm(grads)            -> the diagnostic norm of a step's gradients
    train_step(model, step_fn, ...) -> what Keras's fit expects from `Model.train_step`
    replica_batch(local_batch)      -> (global batch, offset of this replica's slice), or None
    mean_over_replicas(x)           -> x averaged over data-parallel replicas
    per_example(draw, shape, seed)  -> a random draw per example, the same on 1 or N replicas
    data_parallel()                 -> context: train on every visible device
    replicas(), is_chief()          -> how many replicas share the batch; whether this process writes
    xla_by_default()                -> whether `jit_compile: auto` compiles the step with XLA here
    bfloat16_by_default()           -> whether `precision: auto` computes in bfloat16 here
    sync_model_state(model)            the variables as of the last step, after a fit stopped mid-epoch
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from keras_gans.backend import tensorflow as _impl
elif _BACKEND == "jax":
    from keras_gans.backend import jax as _impl
else:
    raise ImportError(
        f"keras_gans trains on Keras's TensorFlow and JAX backends; KERAS_BACKEND is {_BACKEND!r}. "
        "Set KERAS_BACKEND=tensorflow or KERAS_BACKEND=jax before keras is imported."
    )

input_gradients = _impl.input_gradients
loss_gradients = _impl.loss_gradients
apply_gradients = _impl.apply_gradients
gradient_norm = _impl.gradient_norm
train_step = _impl.train_step
replica_batch = _impl.replica_batch
mean_over_replicas = _impl.mean_over_replicas
data_parallel = _impl.data_parallel
replicas = _impl.replicas
is_chief = _impl.is_chief
sync_model_state = _impl.sync_model_state
xla_by_default = _impl.xla_by_default
bfloat16_by_default = _impl.bfloat16_by_default
name = _BACKEND


def per_example(draw, shape, seed):
    """`draw(shape, seed=seed)` for a batch that data parallelism may have split over replicas.

    Every replica draws for the global batch with the same seed state and keeps its own slice,
    so N devices draw exactly what one device draws for the whole batch (z, GP interpolation
    weights): a run's updates do not depend on how many devices share its batch.
    """
    shape = tuple(shape)
    split = replica_batch(shape[0])
    if split is None:
        return draw(shape, seed=seed)
    total, offset = split
    full = draw((total, *shape[1:]), seed=seed)
    return keras.ops.slice(full, (offset, *([0] * (len(shape) - 1))), shape)

__all__ = ["apply_gradients", "bfloat16_by_default", "data_parallel", "gradient_norm", "input_gradients", "is_chief", "replicas", "loss_gradients", "mean_over_replicas", "name", "per_example", "replica_batch", "train_step", "xla_by_default"]
