import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

# Small networks and batches: the recipes' objectives, regularizers and schedules stay as the
# papers give them, while a test step costs milliseconds on a 2-core CI machine. Without XLA: its
# compile time dominates runs this short (test_trainer.py checks every recipe under XLA too).
TINY = {"batch_size": 16, "generator_width": 8, "discriminator_width": 8,
        "generator_units": [32], "discriminator_units": [32], "latent_dim": 16, "jit_compile": False}


@pytest.fixture
def tiny():
    return dict(TINY)


def pytest_collection_modifyitems(config, items):
    # `make test` runs the suite on TensorFlow and a backend-neutral part of it again on JAX;
    # tests of TensorFlow-only features (SavedModel export, tf.function) belong to the first pass.
    import keras

    if keras.backend.backend() == "tensorflow":
        return
    kept = [item for item in items if item.get_closest_marker("tensorflow") is None]
    deselected = [item for item in items if item.get_closest_marker("tensorflow") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
