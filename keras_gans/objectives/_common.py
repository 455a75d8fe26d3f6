"""Shared pieces of the objectives: logits casting, target broadcasting, stable cross-entropy."""

from __future__ import annotations

from keras import ops


def as_logits(logits):
    # Losses are reduced in float32 even when the discriminator computes in float16.
    return ops.cast(logits, "float32")


def broadcast_targets(targets, logits):
    """Turns a scalar or per-example `[batch]` target into something that broadcasts to `logits`.

    Per-example targets must line up with the batch axis, not the last axis, so a `[batch]` vector
    becomes `[batch, 1, 1, ...]` for patch logits `[batch, h, w, 1]`.
    """
    targets = ops.cast(ops.convert_to_tensor(targets), logits.dtype)
    rank = len(logits.shape)
    if len(targets.shape) == 1 and rank > 1:
        targets = ops.reshape(targets, (-1,) + (1,) * (rank - 1))
    return targets


def sigmoid_cross_entropy(logits, targets):
    """Mean over all elements of `-t log sigmoid(x) - (1 - t) log(1 - sigmoid(x))`.

    Written as `softplus(x) - t * x`, which never forms `log(sigmoid(x))` and so stays finite for
    logits of any size; it also accepts soft targets (label smoothing) and flipped ones.
    """
    return ops.mean(ops.softplus(logits) - broadcast_targets(targets, logits) * logits)
