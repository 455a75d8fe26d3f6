"""What every trainer component (regularizer, auxiliary term, augmentation) shares: a config."""

from __future__ import annotations


class Configurable:
    """A component whose constructor arguments are its config, as Keras layers keep theirs.

    A subclass returns its arguments from `get_config`; `from_config` rebuilds it and `repr`
    shows them.
    """

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"
