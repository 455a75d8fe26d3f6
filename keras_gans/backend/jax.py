"""The JAX side: the step as a pure function of explicit state, as Keras's JAX trainer runs it.

Keras's JAX `fit` calls `train_step(state, data)` with the values of every variable the model
owns (trainable; non-trainable: batch-norm statistics, spectral-norm vectors, EMA weights, the
step counter, seed states, the history buffer, augmentation and regularizer state; both
optimizers'; the metrics') and expects the new values back. The step body is the same code as on
TensorFlow. It runs inside a `keras.StatelessScope` that maps every variable to its value: a read
returns the value passed in, an `assign` is recorded in the scope instead of mutating anything
(the mechanism of `Layer.stateless_call`), and the new state is read back from the scope at the
end. Gradients come from `jax.value_and_grad` of a function of the differentiated values alone;
updates go through `Optimizer.stateless_apply`.

Under `keras.distribution.DataParallel` the arrays span every device, so a mean is the global
batch's mean and batch-norm statistics are global without further work.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import jax
import keras
from keras import ops

# The scopes this module opened, innermost last: the values every variable has at this point.
_scopes: list = []


class _StateScope(keras.StatelessScope):
    """A StatelessScope over a ready `{id(variable): value}` mapping that remembers which
    variables were assigned, so their new values can be handed outwards."""

    def __init__(self, mapping: dict):
        super().__init__()
        self.state_mapping = mapping
        self.assigned = {}

    def add_update(self, update):
        variable, value = update
        self.state_mapping[id(variable)] = value
        self.assigned[id(variable)] = variable


@contextlib.contextmanager
def _state(mapping: dict):
    scope = _StateScope(mapping)
    _scopes.append(scope)
    try:
        with scope:
            yield scope
    finally:
        _scopes.pop()


def _current() -> dict:
    return dict(_scopes[-1].state_mapping) if _scopes else {}


def _value(variable, mapping: dict):
    value = mapping.get(id(variable))
    return variable.value if value is None else value


def _record(variables_and_values) -> None:
    """New values into the enclosing step's state, or into the variables outside any step."""
    for variable, value in variables_and_values:
        if _scopes:
            _scopes[-1].add_update((variable, value))
        else:
            variable.assign(value)


def input_gradients(fn: Callable, inputs):
    """Gradient of `sum(fn(inputs))` with respect to `inputs`, itself differentiable.

    Assignments `fn` makes (spectral-norm power iterations, batch-norm statistics) are dropped:
    the forward pass that produced the step's logits already made them once.
    """
    outer = _current()

    def total(x):
        with _state(dict(outer)):
            return ops.sum(ops.cast(fn(x), "float32"))

    return jax.grad(total)(inputs)


def loss_gradients(loss_fn: Callable, variables: Sequence):
    """Runs `loss_fn()` -> `(loss, aux)`; returns `(loss, aux, gradients wrt variables)`.

    `loss_fn` reads `variables` as the values being differentiated; what it assigns (batch-norm
    statistics, seeds, anchors) leaves the differentiated function as an output and lands in the
    step's state afterwards.
    """
    outer = _current()
    keys = [id(v) for v in variables]
    assigned = {}

    def pure(values):
        mapping = dict(outer)
        mapping.update(zip(keys, values))
        with _state(mapping) as scope:
            loss, aux = loss_fn()
        assigned.update(scope.assigned)
        return loss, (aux, {k: scope.state_mapping[k] for k in scope.assigned})

    values = [_value(v, outer) for v in variables]
    (loss, (aux, updates)), grads = jax.value_and_grad(pure, has_aux=True)(values)
    _record((assigned[k], value) for k, value in updates.items())
    return loss, aux, grads


def apply_gradients(optimizer, grads, variables) -> None:
    """`optimizer.stateless_apply` on the current values; the new ones go into the state."""
    state = _current()
    optimizer_variables = list(optimizer.variables)
    new_variables, new_optimizer = optimizer.stateless_apply(
        [_value(v, state) for v in optimizer_variables], list(grads), [_value(v, state) for v in variables]
    )
    _record(zip(variables, new_variables))
    _record(zip(optimizer_variables, new_optimizer))


def gradient_norm(grads):
    # Global arrays: the gradient is the whole batch's.
    return ops.sqrt(sum(ops.sum(ops.square(ops.cast(g, "float32"))) for g in grads if g is not None))


def train_step(model, step_fn, state, data):
    """Keras's JAX trainer calls `train_step(state, data)` and expects `(logs, new_state)`."""
    groups = (model.trainable_variables, model.non_trainable_variables, model.optimizer.variables,
              model.metrics_variables)
    mapping = {id(v): value for variables, values in zip(groups, state) for v, value in zip(variables, values)}
    with _state(mapping) as scope:
        logs = step_fn(data)
    return logs, tuple([scope.state_mapping[id(v)] for v in variables] for variables in groups)


def replica_batch(local_batch):
    # Arrays are global under DataParallel: every draw is already the whole batch's.
    return None


def mean_over_replicas(x):
    return x


def replicas() -> int:
    """Devices the batch is split over (1 without a Keras distribution)."""
    distribution = keras.distribution.distribution()
    return 1 if distribution is None else int(distribution.device_mesh.devices.size)


def xla_by_default() -> bool:
    """`jit_compile: auto` is always on: `jax.jit` is the JAX backend's only compiled path."""
    return True


def bfloat16_by_default() -> bool:
    """Whether `precision: auto` computes in bfloat16: on TPUs and GPUs of compute capability 8.0
    and later. XLA's CPU backend has not measured faster in bfloat16 here, so CPUs keep float32."""
    devices = jax.devices()
    if devices[0].platform == "tpu":
        return True
    if devices[0].platform == "gpu":
        return all(float(getattr(device, "compute_capability", 0) or 0) >= 8.0 for device in devices)
    return False


@contextlib.contextmanager
def data_parallel():
    """`keras.distribution.DataParallel` over every visible device, unless the caller set a
    distribution already (`keras.distribution.set_distribution(...)`), which is used as it is."""
    if keras.distribution.distribution() is not None:
        yield keras.distribution.distribution()
        return
    distribution = keras.distribution.DataParallel(devices=jax.devices())
    keras.distribution.set_distribution(distribution)
    try:
        yield distribution
    finally:
        keras.distribution.set_distribution(None)


def is_chief() -> bool:
    return jax.process_index() == 0


def sync_model_state(model) -> None:
    """Writes the state Keras's JAX `fit` holds back into the model's variables (it does so only
    at epoch ends); after a `fit` that stopped mid-epoch they are stale, or purged."""
    model.jax_state_sync()
