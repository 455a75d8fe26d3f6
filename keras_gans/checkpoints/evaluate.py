"""Which feature extractor scores a run, and the (cached) real statistics it is compared against."""

from __future__ import annotations

import os

import numpy as np

from keras_gans.data import DATASETS, load_dataset
from keras_gans.errors import DataError
from keras_gans.metrics import (
    FashionMNISTClassifier,
    InceptionV3Extractor,
    RealStatistics,
    evaluate_generator,
    real_statistics,
)


def extractor_for(dataset: str):
    """The project's Fashion-MNIST classifier for fashion_mnist (offline); InceptionV3 elsewhere.

    Raises `InceptionWeightsMissing` (a `FileNotFoundError` saying where to put the weights) when
    the dataset needs InceptionV3 and its weights are not on disk.
    """
    if dataset == "fashion_mnist":
        return FashionMNISTClassifier()
    return InceptionV3Extractor()


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
        extractor: a `FeatureExtractor`; default the Fashion-MNIST classifier for fashion_mnist,
            InceptionV3 (ImageNet weights) elsewhere.

    Returns:
        {metric: {value..., "extractor", "num_samples", "reference_split", ...}}; FID also carries
        its real-data floor.

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
