"""A small Fashion-MNIST classifier the project trains itself: an offline FID/KID/IS feature space."""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from keras_gans.errors import DataError
from keras_gans.metrics.cache import atomic_path, cache_dir
from keras_gans.metrics.extractor_base import KerasExtractor

logger = logging.getLogger(__name__)

# Bump when the architecture or training recipe changes so stale cached weights are not reused.
_RECIPE_VERSION = 1


def build_classifier(seed: int = 0, feature_dim: int = 128):
    """Conv-pool x2 -> dense features -> 10 logits; every random op seeded for reproducible training."""
    import keras
    from keras import layers

    def init(offset):
        return keras.initializers.GlorotUniform(seed=seed * 100 + offset)

    inputs = keras.Input((28, 28, 1), name="images")
    x = layers.Conv2D(16, 3, padding="same", activation="relu", kernel_initializer=init(1))(inputs)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(32, 3, padding="same", activation="relu", kernel_initializer=init(2))(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(0.3, seed=seed * 100 + 3)(x)
    features = layers.Dense(feature_dim, activation="relu", kernel_initializer=init(4), name="features")(x)
    logits = layers.Dense(10, kernel_initializer=init(5), name="logits")(features)
    return keras.Model(inputs, logits, name="fashion_mnist_classifier")


def load_fashion_mnist(split: str, data_dir: str | None = None):
    """(images uint8 [N, 28, 28], labels uint8 [N]) of the real IDX files, through keras_gans.data."""
    from keras_gans.data import idx
    from keras_gans.data.registry import DATASETS

    directory = Path(data_dir) if data_dir else DATASETS["fashion_mnist"].idx_directory(split)
    if directory is None:
        raise DataError(
            "The Fashion-MNIST IDX files were not found; the classifier trains on them. Set "
            "KERAS_GANS_FASHION_MNIST_DIR or pass data_dir= to a folder with train-images-idx3-ubyte.gz etc."
        )
    return idx.read_split(directory, split)


def _scale(images_uint8: np.ndarray) -> np.ndarray:
    return (images_uint8.astype(np.float32) / 127.5 - 1.0)[..., None]


class FashionMNISTClassifier(KerasExtractor):
    """Features (penultimate dense layer, 128-d) and softmax of a CNN trained on Fashion-MNIST labels.

    Works offline, so it is the extractor for tests and for Fashion-MNIST runs; its values are only
    comparable with other values from the same `name` (which encodes seed and recipe). On first use
    it trains on the real train split (about 91% test accuracy after 3 epochs) and caches the
    weights in `<cache>/extractors/`, where `<cache>` is `$KERAS_GANS_CACHE` or
    `~/.cache/keras_gans`; later instances load them.

    Args:
        seed: seeds initializers, dropout and the shuffling order, so training is reproducible.
        epochs: training epochs when no cached weights exist.
        cache_directory: where weights live; default `<cache>/extractors`.
        data_dir: folder with the Fashion-MNIST IDX .gz files; default: where `keras_gans.data`
            finds them (`$KERAS_GANS_FASHION_MNIST_DIR` or /usr/share/datasets/fashion-mnist).
        train_if_missing: train when the weights are not cached; False raises instead.

    Reference: Xiao et al. 2017 (Fashion-MNIST). Using a domain classifier in place of InceptionV3
    follows the "FID with a dataset-specific network" practice of e.g. Lucic et al. 2018.
    """

    input_shape = (28, 28, 1)
    distance_name = "fd_fashion_classifier"  # a Frechet distance, but not FID: see extractors.py

    def __init__(
        self,
        seed: int = 0,
        epochs: int = 3,
        cache_directory: str | None = None,
        data_dir: str | None = None,
        train_if_missing: bool = True,
    ):
        import keras

        self.seed = seed
        self.epochs = epochs
        self.cache_directory = cache_directory
        self.data_dir = data_dir
        self.train_if_missing = train_if_missing
        self.name = f"fashion_mnist_v{_RECIPE_VERSION}_seed{seed}_e{epochs}"
        self.description = f"keras_gans Fashion-MNIST classifier {self.name}, 128-d features of [-1, 1] 28x28 images"
        directory = cache_directory or cache_dir("extractors")
        os.makedirs(directory, exist_ok=True)
        self.weights_path = os.path.join(directory, f"{self.name}.weights.h5")
        self.info_path = os.path.join(directory, f"{self.name}.json")
        classifier = build_classifier(seed)
        if os.path.isfile(self.weights_path):
            classifier.load_weights(self.weights_path)
            self.trained_now = False
        elif train_if_missing:
            self._train(classifier)
            self.trained_now = True
        else:
            raise FileNotFoundError(
                f"No cached Fashion-MNIST classifier at {self.weights_path}; "
                "pass train_if_missing=True to train it (about a minute on 2 CPU cores)."
            )
        self.info = _read_json(self.info_path)
        self.classifier = classifier
        probabilities = keras.layers.Softmax()(classifier.output)
        self.model = keras.Model(classifier.input, [classifier.get_layer("features").output, probabilities])

    def _train(self, classifier) -> None:
        import keras

        train_x, train_y = load_fashion_mnist("train", self.data_dir)
        test_x, test_y = load_fashion_mnist("test", self.data_dir)
        train_x, test_x = _scale(train_x), _scale(test_x)
        classifier.compile(
            optimizer=keras.optimizers.Adam(1e-3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        rng = np.random.default_rng(self.seed)
        start = time.perf_counter()
        for epoch in range(self.epochs):
            # Our own seeded permutation instead of fit's shuffle keeps the batch order reproducible.
            order = rng.permutation(len(train_x))
            classifier.fit(train_x[order], train_y[order], batch_size=128, epochs=1, shuffle=False, verbose=0)
        seconds = time.perf_counter() - start
        _, accuracy = classifier.evaluate(test_x, test_y, batch_size=500, verbose=0)
        logger.info("Trained %s in %.1fs: test accuracy %.4f", self.name, seconds, accuracy)
        info = {"test_accuracy": float(accuracy), "train_seconds": seconds, "epochs": self.epochs, "seed": self.seed}
        # The json goes first: a weights file on disk means a finished entry with its info beside it.
        with atomic_path(self.info_path, suffix=".json") as tmp:
            with open(tmp, "w") as f:
                json.dump(info, f)
        with atomic_path(self.weights_path, suffix=".weights.h5") as tmp:
            classifier.save_weights(tmp)

    def accuracy(self, images, labels, batch_size: int = 500) -> float:
        """Top-1 accuracy on images in [-1, 1] and integer labels."""
        predicted = self.probabilities(images, batch_size).argmax(axis=1)
        return float((predicted == np.asarray(labels)).mean())

    def get_config(self) -> dict:
        return {
            "seed": self.seed,
            "epochs": self.epochs,
            "cache_directory": self.cache_directory,
            "data_dir": self.data_dir,
            "train_if_missing": self.train_if_missing,
        }


def _read_json(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}
