"""SavedModel export of generators for TF Serving (see export/README.md)."""

from keras_gans.exporting.saved_model import (
    DEFAULT_SIGNATURE,
    SEED_SIGNATURE,
    export_generator,
    read_provenance,
    version_dirs,
)

__all__ = [
    "DEFAULT_SIGNATURE",
    "SEED_SIGNATURE",
    "export_generator",
    "read_provenance",
    "version_dirs",
]
