"""Which feature extractor scores a run, and the (cached) real statistics it is compared against."""

from __future__ import annotations

import os

import numpy as np

from keras_gans.config import QUALITY_NETWORKS
from keras_gans.data import DATASETS, load_dataset
from keras_gans.errors import ConfigError, DataError
from keras_gans.metrics import (
    FashionMNISTClassifier,
    FIDInception,
    InceptionV3Extractor,
    InceptionWeightsMissing,
    RealStatistics,
    evaluate_generator,
    real_statistics,
)


def extractor_for(dataset: str):
    """The FID reference network (`FIDInception`, TTUR protocol) wherever its weights are available.

    Without them: the project's Fashion-MNIST classifier for fashion_mnist (its distance is
    reported as `fd_fashion_classifier`, not FID), else Keras' InceptionV3 when its ImageNet
    weights are on disk (`fd_keras_inception_v3`). Raises `InceptionWeightsMissing` (a
    `FileNotFoundError` saying what to install) when none applies.
    """
    try:
        return FIDInception()
    except InceptionWeightsMissing as missing:
        if dataset == "fashion_mnist":
            return FashionMNISTClassifier()
        try:
            return InceptionV3Extractor()
        except InceptionWeightsMissing:
            raise missing from None


def has_accelerator() -> bool:
    """Whether Keras' backend runs on a GPU/TPU (the FID network is ~15 images/s on 2 CPU cores)."""
    import keras

    backend = keras.config.backend()
    if backend == "jax":
        import jax

        return jax.default_backend() != "cpu"
    if backend == "torch":
        import torch

        return torch.cuda.is_available()
    import tensorflow as tf

    return bool(tf.config.list_physical_devices("GPU") or tf.config.list_physical_devices("TPU"))


def training_extractor(dataset: str, network: str = "auto"):
    """The extractor that scores a run while it trains (`fid_network` in the config).

    "auto": on a GPU/TPU, `extractor_for(dataset)` (the FID network); on a CPU, where that network
    would cost far more than 10% of training time, the Fashion-MNIST classifier for fashion_mnist
    and nothing otherwise (a `FileNotFoundError` that the quality callback turns into a notice).
    "inception" always uses the FID network, "classifier" the Fashion-MNIST classifier.
    """
    if network not in QUALITY_NETWORKS:
        raise ConfigError(f"fid_network must be one of {', '.join(QUALITY_NETWORKS)}; got {network!r}.")
    if network == "inception":
        return FIDInception()
    if network == "classifier" or (dataset == "fashion_mnist" and not has_accelerator()):
        if dataset != "fashion_mnist":
            raise ConfigError(f"fid_network=classifier needs dataset fashion_mnist (the only classifier); got {dataset!r}.")
        return FashionMNISTClassifier()
    if not has_accelerator():
        raise FileNotFoundError(
            "on a CPU the FID network (Inception 2015-12-05) would cost more than 10% of training time, and "
            f"{dataset or 'this data'} has no project classifier. Set fid_network=inception to score it anyway "
            "(about 15 images/s on 2 CPU cores), or score the run afterwards with `keras-gans evaluate`."
        )
    return extractor_for(dataset)


def reference_split(dataset) -> str:
    # Registered datasets are scored against their held-out split; folders and arrays have only
    # the images they were given.
    return "test" if isinstance(dataset, str) and dataset in DATASETS else "train"


def reference_statistics(dataset, extractor, num_samples: int, image_size=None, batch_size: int = 100):
    """Real-data statistics for `dataset` (a name, folder or array), cached for named datasets.

    Uses the first `num_samples` images of the reference split in file order (or all of them when
    there are fewer), so every run of a dataset is compared against the same images.
    """
    split = reference_split(dataset)
    data = load_dataset(dataset, batch_size=batch_size, split=split, image_size=image_size,
                        shuffle=False, repeat=False, drop_remainder=False)
    available = data.num_examples or num_samples
    num_samples = min(int(num_samples), int(available))

    def images(n):
        batches, have = [], 0
        for batch in data.dataset:
            batch = batch[0] if isinstance(batch, (tuple, list)) else batch
            batches.append(np.asarray(batch))
            have += len(batches[-1])
            if have >= n:
                break
        if not batches:
            raise DataError(f"The {split} split of {data.name} holds no images to score against.")
        return np.concatenate(batches)[:n]

    if isinstance(dataset, str) and not _is_path(dataset):
        return real_statistics(data.name, split, extractor, num_samples, images, data.image_shape[:2],
                               batch_size=batch_size)
    # Arrays and folders have no stable name to cache under.
    return RealStatistics.from_images(images(num_samples), extractor, dataset=data.name, split=split,
                                      batch_size=batch_size)


def evaluate_run(run_dir, metrics=("fid", "kid"), num_samples=None, checkpoint="latest", dataset=None,
                 extractor=None, batch_size: int = 100) -> dict:
    """Scores a run's generator (EMA when kept) against its dataset's real statistics.

    Args:
        run_dir: a run folder written by `keras_gans.fit`.
        metrics: names from `keras_gans.metrics.METRICS`.
        num_samples: generated and real images; default the run's `fid_samples`.
        checkpoint: "latest", "best" or a step.
        dataset: the data to compare with; default the run's dataset (needed for array sources).
        extractor: a `FeatureExtractor` or None for `extractor_for(dataset)`.
    Returns:
        `evaluate_generator`'s report plus {"step": ..., "checkpoint": ...}.
    """
    from keras_gans.checkpoints.load import load_run

    run = load_run(run_dir, checkpoint=checkpoint)
    source = dataset if dataset is not None else run.config.dataset
    num_samples = int(num_samples or run.config.fid_samples)
    extractor = extractor or extractor_for(source if isinstance(source, str) else "")
    real = reference_statistics(source, extractor, num_samples, run.config.image_size, batch_size)
    report = evaluate_generator(run.generator, real, metrics=metrics, num_samples=num_samples,
                                extractor=extractor, batch_size=batch_size, latent_dim=run.model.latent_dim)
    report["step"] = run.step
    report["checkpoint"] = str(run.checkpoint.path)
    return report


def _is_path(name: str) -> bool:
    return name not in DATASETS and os.path.exists(os.path.expanduser(name))


def evaluate(run_or_generator, dataset=None, metrics=("fid", "kid"), num_samples=None, extractor=None,
             latent_dim=None, batch_size: int = 100) -> dict:
    """Scores a run folder or a generator against real data.

    Args:
        run_or_generator: a run folder written by `keras_gans.fit` (its latest checkpoint), or a
            generator (any callable z [N, latent_dim] -> images in [-1, 1]).
        dataset: the real data; a run's own dataset by default, required for a generator.
        metrics: names from `keras_gans.metrics.METRICS` ("fid", "kid", "is", "precision_recall").
        num_samples: generated and real images (default: a run's `fid_samples`, else 2000).
        extractor: a `FeatureExtractor`; default `extractor_for(dataset)`: the FID reference network
            where its weights are available (see `keras_gans.metrics.FIDInception`).

    Returns:
        {metric: {value..., "extractor", "protocol", "num_samples", "reference_split", ...}}; FID
        also carries its real-data floor.

    Example:
        >>> keras_gans.evaluate("runs/demo", metrics=["fid", "kid"], num_samples=2000)
    """
    if isinstance(run_or_generator, (str, os.PathLike)):
        return evaluate_run(run_or_generator, metrics=metrics, num_samples=num_samples, dataset=dataset,
                            extractor=extractor, batch_size=batch_size)
    if dataset is None:
        raise DataError("Evaluating a generator needs the real data: evaluate(generator, dataset='fashion_mnist').")
    num_samples = int(num_samples or 2000)
    extractor = extractor or extractor_for(dataset if isinstance(dataset, str) else "")
    real = reference_statistics(dataset, extractor, num_samples, batch_size=batch_size)
    return evaluate_generator(run_or_generator, real, metrics=metrics, num_samples=num_samples,
                              extractor=extractor, batch_size=batch_size, latent_dim=latent_dim)
