"""keras.applications InceptionV3 pool features: ImageNet weights, but not the FID network.

For the FID of papers use `FIDInception` (`inception_fid.py`); this one differs in weights, head
and pooling, so its Frechet distance is reported as `fd_keras_inception_v3`.
"""

from __future__ import annotations

import os

from keras_gans.metrics.extractor_base import KerasExtractor

NOTOP_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
TOP_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels.h5"
_URL = "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"


class InceptionWeightsMissing(FileNotFoundError):
    """The ImageNet InceptionV3 weights are not on disk (they are never downloaded implicitly)."""


def keras_models_dir() -> str:
    """Where `keras.applications` caches weights: `$KERAS_HOME/models` or `~/.keras/models`."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(home, "models")


def _missing(kind: str, file_name: str, given: str | None, argument: str) -> InceptionWeightsMissing:
    where = f"the given path {given!r} does not exist" if given else f"no file in {keras_models_dir()}"
    return InceptionWeightsMissing(
        f"InceptionV3 ImageNet weights for {kind} not found: {where}. Download {_URL}{file_name} "
        f"on a machine with internet and either place it at {os.path.join(keras_models_dir(), file_name)} "
        f"or pass InceptionV3Extractor({argument}='/path/to/{file_name}'). Offline alternative: "
        "get_extractor('fashion_mnist') for Fashion-MNIST."
    )


class InceptionV3Extractor(KerasExtractor):
    """2048-d average-pool features (and 1000-way ImageNet softmax) of Keras' InceptionV3.

    Images in [-1, 1] are resized to 299x299 and grayscale is repeated to 3 channels; [-1, 1] is
    already what InceptionV3's "tf"-mode `preprocess_input` produces, so no further scaling. The
    weights are Keras' ImageNet weights, so values are comparable across keras_gans runs only: the
    FID of papers uses the 2015 TF graph (`FIDInception`), with other weights and a max pool.

    Weights are looked up, never downloaded: features need the `..._notop.h5` file (or the full
    one); probabilities (Inception Score) need the full file with the classifier head.

    Args:
        weights: path to `inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5`; default: the
            Keras cache. A path that does not exist is an error, not a fallback.
        top_weights: path to `inception_v3_weights_tf_dim_ordering_tf_kernels.h5` (with the
            classifier); default: the Keras cache. When present it serves features as well.

    References: Szegedy et al. 2016 (InceptionV3); Heusel et al. 2017 (FID on its pool features).
    """

    name = "inception_v3"
    input_shape = (299, 299, 3)
    distance_name = "fd_keras_inception_v3"  # not the FID network (see inception_2015.py)
    description = "keras.applications InceptionV3 (ImageNet weights), 2048-d avg pool, float bilinear resize"

    def __init__(self, weights: str | None = None, top_weights: str | None = None):
        import keras

        self.weights = weights
        self.top_weights = top_weights
        for path, file_name, argument in ((weights, NOTOP_FILE, "weights"), (top_weights, TOP_FILE, "top_weights")):
            if path is not None and not os.path.isfile(path):
                raise _missing("features" if argument == "weights" else "Inception Score", file_name, path, argument)
        # An explicit `weights` path means "these features": a cached full file does not override it.
        top = top_weights or (None if weights else _cached(TOP_FILE))
        notop = weights or _cached(NOTOP_FILE)
        if top is not None:
            full = keras.applications.InceptionV3(include_top=True, weights=top, classifier_activation="softmax")
            self.model = keras.Model(full.inputs, [full.get_layer("avg_pool").output, full.output])
            self._probability_error = None
        elif notop is not None:
            self.model = keras.applications.InceptionV3(include_top=False, pooling="avg", weights=notop)
            self._probability_error = str(_missing("Inception Score", TOP_FILE, None, "top_weights"))
        else:
            raise _missing("features", NOTOP_FILE, None, "weights")

    def get_config(self) -> dict:
        return {"weights": self.weights, "top_weights": self.top_weights}


def _cached(file_name: str) -> str | None:
    path = os.path.join(keras_models_dir(), file_name)
    return path if os.path.isfile(path) else None
