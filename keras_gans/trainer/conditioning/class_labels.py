"""Class-conditional generation: cGAN (Mirza & Osindero 2014) and AC-GAN (Odena et al. 2017)."""

from __future__ import annotations

import keras
from keras import ops

from keras_gans.backend import per_example
from keras_gans.errors import DataError
from keras_gans.trainer.conditioning.base import Conditioning
from keras_gans.trainer.sampling import class_grid


class ClassLabels(Conditioning):
    """The generator takes `[z, labels]`; fakes are drawn for the labels of the real batch.

    Drawing fakes for the real batch's labels keeps the class mix of real and fake batches equal,
    so the discriminator cannot score a class's frequency instead of its realism.

    Args:
        latent_dim:  size of z.
        num_classes: number of classes.
        project:     the discriminator takes `[images, labels]` (projection discriminator, Miyato &
                     Koyama 2018); False for AC-GAN, whose discriminator sees images only and
                     predicts the class instead.
    """

    def __init__(self, latent_dim, num_classes, project=True):
        self.latent_dim = int(latent_dim)
        self.num_classes = int(num_classes)
        self.project = bool(project)

    def unpack(self, data):
        if not isinstance(data, (tuple, list)) or len(data) != 2:
            raise DataError("A class-conditional GAN trains on (images, labels) batches; the data has no labels.")
        images, labels = data
        return images, ops.cast(labels, "int32")

    def generator_inputs(self, context, batch_size, seed_generator):
        z = per_example(keras.random.normal, (batch_size, self.latent_dim), seed_generator)
        return [z, context], context

    def discriminator_inputs(self, images, context):
        return [images, context] if self.project else images

    def example(self):
        labels = ops.zeros((1,), "int32")
        return [ops.zeros((1, self.latent_dim)), labels], labels

    def preview(self, generator, num_samples, seed=0, batch=None):
        per_class = max(1, num_samples // self.num_classes)
        return class_grid(generator, self.num_classes, per_class, self.latent_dim, seed)

    def preview_rows(self, num_samples):
        return self.num_classes
