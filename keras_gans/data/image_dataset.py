"""The one thing every data source returns."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass
class ImageDataset:
    """A batched, prefetched pipeline of training images and what is known about it.

    Args:
        dataset: yields float32 NHWC image batches in [-1, 1], or `(images, labels)` with int32
            labels `[batch]` when the source has labels (`num_classes` is then set): a
            `tf.data.Dataset` on the TensorFlow backend and for tensorflow-datasets names, a numpy
            `BatchStream` otherwise. Both offer iteration, `take(n)` and `skip(n)`.
        name: where the images came from (dataset name, folder path or "array").
        image_shape: `(height, width, channels)` of every yielded image.
        num_classes: number of classes when labels are yielded, else `None`.
        num_examples: images in the chosen split, when known (not the number of batches).
        class_names: class index -> name, when the source names its classes (folders, tfds).
    """

    dataset: object
    name: str
    image_shape: tuple
    num_classes: int | None
    num_examples: int | None
    class_names: tuple | None = None

    @property
    def has_labels(self) -> bool:
        return self.num_classes is not None

    def without_labels(self) -> "ImageDataset":
        """The same pipeline yielding images only, for models that are not class-conditional."""
        if not self.has_labels:
            return self
        from keras_gans.data.streams import BatchStream

        if isinstance(self.dataset, BatchStream):
            images_only = self.dataset.map(lambda batch: batch[0])
        else:
            import tensorflow as tf

            images_only = self.dataset.map(lambda images, labels: images, num_parallel_calls=tf.data.AUTOTUNE)
        return replace(self, dataset=images_only, num_classes=None, class_names=None)
