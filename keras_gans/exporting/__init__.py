"""SavedModel export of generators for TF Serving (see export/README.md).

Names load on first use, so `keras-gans --help` (which imports the export command) does not
load TensorFlow.
"""

from keras_gans.lazy import lazy_attributes

_API = {
    "DEFAULT_SIGNATURE": "keras_gans.exporting.saved_model",
    "SEED_SIGNATURE": "keras_gans.exporting.saved_model",
    "export_generator": "keras_gans.exporting.saved_model",
    "read_provenance": "keras_gans.exporting.saved_model",
    "version_dirs": "keras_gans.exporting.saved_model",
    "write_serving_config": "keras_gans.exporting.serving_config",
}

__all__ = sorted(_API)


__getattr__, __dir__ = lazy_attributes(__name__, _API)
