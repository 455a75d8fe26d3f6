"""Gradient code for the TensorFlow backend: the only module that uses `tf.GradientTape`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import tensorflow as tf


def input_gradients(fn: Callable, inputs):
    """Gradient of `sum(fn(inputs))` with respect to `inputs`, itself differentiable.

    Used by the gradient penalty and R1/R2: because the tape is created inside any outer tape,
    the returned gradient can be differentiated again (double backpropagation).
    """
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        outputs = fn(inputs)
        total = tf.reduce_sum(outputs)
    return tape.gradient(total, inputs)


def loss_gradients(loss_fn: Callable, variables: Sequence):
    """Runs `loss_fn()` -> `(loss, aux)` and returns `(loss, aux, gradients wrt variables)`."""
    with tf.GradientTape() as tape:
        loss, aux = loss_fn()
    return loss, aux, tape.gradient(loss, variables)
