"""Auxiliary terms: losses beyond the adversarial one, added to D's and/or G's objective."""

from __future__ import annotations

import dataclasses
import numbers

from keras import ops

from keras_gans.configurable import Configurable
from keras_gans.errors import ConfigError


@dataclasses.dataclass
class StepTensors:
    """What one discriminator or generator step computed, for the terms to read.

    `real_outputs`/`fake_outputs` are the discriminator's outputs as a dict with at least
    "logits" (a discriminator returning a tensor gets `{"logits": tensor}`). `real_outputs` is
    None in a generator step unless a term asks for it (`needs_real_outputs`).
    """

    real: object
    fake: object
    real_outputs: dict | None
    fake_outputs: dict
    context: object
    fake_context: object
    generator: object
    discriminator: object


class AuxiliaryTerm(Configurable):
    """A weighted loss the trainer adds next to the adversarial one, like a regularizer does.

    A subclass overrides `discriminator_loss` and/or `generator_loss`; each returns an unweighted
    scalar. The trainer adds `weight *` that to the side's objective and reports the unweighted
    value as `d_<name>` / `g_<name>`.

    Args:
        weight: non-negative multiplier.
    """

    name = "term"
    needs_real_outputs = False  # the generator step must also score the real batch

    def __init__(self, weight=1.0):
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or weight < 0:
            raise ConfigError(f"{type(self).__name__}: weight must be a number >= 0, got {weight!r}.")
        self.weight = float(weight)

    def discriminator_loss(self, step: StepTensors):
        return None

    def generator_loss(self, step: StepTensors):
        return None

    @property
    def sides(self):
        """("d", "g") or the one side this term contributes to."""
        own = type(self)
        return tuple(
            side for side, method in (("d", "discriminator_loss"), ("g", "generator_loss"))
            if getattr(own, method) is not getattr(AuxiliaryTerm, method)
        )

    def get_config(self):
        return {"weight": self.weight}


def mean_absolute_error(x, y):
    return ops.mean(ops.abs(ops.cast(x, "float32") - ops.cast(y, "float32")))


def class_cross_entropy(labels, logits):
    """Mean softmax cross-entropy of int `labels [b]` under `logits [b, k]`."""
    return ops.mean(ops.sparse_categorical_crossentropy(labels, ops.cast(logits, "float32"), from_logits=True))
