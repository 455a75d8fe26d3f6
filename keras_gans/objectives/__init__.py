"""GAN objectives: pairs of pure loss functions on discriminator logits of any shape `[batch, ...]`.

Adding a variant is one file defining `<name>_generator_loss(real_logits, fake_logits)` and
`<name>_discriminator_loss(real_logits, fake_logits, ...)`, plus one line in `OBJECTIVES`. Both
losses see both sides (tensorflow/gan's `relativistic_generator_loss(real, gen)` shape), so a
relativistic objective is one more file, not an edit of the trainer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from keras import ops

from keras_gans.errors import ConfigError, unknown_choice
from keras_gans.objectives.hinge import hinge_discriminator_loss, hinge_generator_loss
from keras_gans.objectives.least_squares import (
    least_squares_discriminator_loss,
    least_squares_generator_loss,
)
from keras_gans.objectives.minimax import minimax_discriminator_loss, minimax_generator_loss
from keras_gans.objectives.non_saturating import (
    non_saturating_discriminator_loss,
    non_saturating_generator_loss,
)
from keras_gans.objectives.wasserstein import (
    wasserstein_discriminator_loss,
    wasserstein_generator_loss,
)


def _identity(logits):
    return ops.cast(logits, "float32")


def _probability(logits):
    return ops.sigmoid(ops.cast(logits, "float32"))


@dataclass(frozen=True)
class Objective:
    """A GAN objective as the trainer sees it.

    Args:
        name: registry key, e.g. `"hinge"`.
        generator_loss: `fn(real_logits, fake_logits) -> scalar`; `real_logits` is None unless
            `generator_needs_real` (the trainer then scores reals in the generator step too).
        discriminator_loss: `fn(real_logits, fake_logits, **targets) -> scalar`.
        label_based: whether `discriminator_loss` accepts `real_targets=`/`fake_targets=`
            (scalar or per-example `[batch]`), the hook for label smoothing and flipping.
        score: `fn(logits) -> tensor` mapping logits to the discriminator score shown to users
            (a probability for cross-entropy objectives, the raw output otherwise); the trainer
            averages it.
        paper: the reference the objective follows.
        generator_needs_real: whether `generator_loss` reads `real_logits` (relativistic losses);
            the others are not charged the extra discriminator pass.
    """

    name: str
    generator_loss: Callable
    discriminator_loss: Callable
    label_based: bool
    score: Callable
    paper: str
    generator_needs_real: bool = False


def _registry(*entries) -> dict[str, Objective]:
    # The naming contract (`<name>_generator_loss` in `<name>.py`) is what keeps a registry entry to
    # one line: the loss pair is looked up from the module named after the objective.
    registry = {}
    for name, label_based, score, paper, *needs_real in entries:
        module = importlib.import_module(f"{__name__}.{name}")
        registry[name] = Objective(
            name,
            getattr(module, f"{name}_generator_loss"),
            getattr(module, f"{name}_discriminator_loss"),
            label_based,
            score,
            paper,
            *needs_real,
        )
    return registry


# name, label_based, score, paper[, generator_needs_real]
OBJECTIVES: dict[str, Objective] = _registry(
    ("minimax", True, _probability, "Goodfellow et al. 2014, arXiv:1406.2661"),
    ("non_saturating", True, _probability, "Goodfellow et al. 2014, arXiv:1406.2661 (sec. 3)"),
    ("wasserstein", False, _identity, "Arjovsky et al. 2017, arXiv:1701.07875"),
    ("least_squares", True, _identity, "Mao et al. 2017, arXiv:1611.04076"),
    ("hinge", False, _identity, "Lim & Ye 2017, arXiv:1705.02894; Miyato et al. 2018"),
    ("rpgan", False, _identity, "Jolicoeur-Martineau 2019, arXiv:1807.00734; Huang et al. 2024 (R3GAN)", True),
    ("relativistic_average", False, _identity, "Jolicoeur-Martineau 2019, arXiv:1807.00734 (RaSGAN)", True),
)


def get_objective(name: str) -> Objective:
    """Returns the registered `Objective` called `name`, or raises a `ConfigError` naming the valid
    choices and the closest match."""
    if name not in OBJECTIVES:
        raise unknown_choice("objective", name, OBJECTIVES, ConfigError)
    return OBJECTIVES[name]


__all__ = [
    "OBJECTIVES",
    "Objective",
    "get_objective",
    "hinge_discriminator_loss",
    "hinge_generator_loss",
    "least_squares_discriminator_loss",
    "least_squares_generator_loss",
    "minimax_discriminator_loss",
    "minimax_generator_loss",
    "non_saturating_discriminator_loss",
    "non_saturating_generator_loss",
    "wasserstein_discriminator_loss",
    "wasserstein_generator_loss",
]
