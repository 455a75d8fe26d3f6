"""What a generator is conditioned on, and how one data batch feeds both networks."""

from __future__ import annotations

import keras
from keras import ops

from keras_gans.backend import per_example


class Conditioning:
    """The trainer's only view of what drives the generator (noise, labels, codes or images).

    The adversarial step is the same for every model; a conditioning says how to read a data batch
    (`unpack`), what to feed the generator (`generator_inputs`), what the discriminator sees
    (`discriminator_inputs`), and how to draw a preview grid. `context` is what conditions the
    real images (labels, source images or None); `fake_context` what conditions the fakes (their
    labels, InfoGAN's codes, source images), which is also what auxiliary terms compare against.
    """

    needs_data_for_preview = False  # image-to-image previews translate a batch of real sources

    def unpack(self, data):
        """A data batch -> `(real, context)`."""
        raise NotImplementedError

    def generator_inputs(self, context, batch_size, seed_generator):
        """-> `(generator inputs, fake_context)` for `batch_size` fakes."""
        raise NotImplementedError

    def discriminator_inputs(self, images, context):
        return images

    def example(self):
        """`(generator inputs, fake_context)` of batch size 1, to build the networks."""
        raise NotImplementedError

    def preview(self, generator, num_samples, seed=0, batch=None):
        """Images `[n, H, W, C]` for a sample grid, from a fixed `seed` (and data `batch`)."""
        raise NotImplementedError

    def preview_rows(self, num_samples):
        """Rows of the preview grid (`save_image_grid(..., rows=)`); None: as square as it gets."""
        return None


def images_of(data):
    """The images of a batch that is `images` or `(images, labels)`."""
    return data[0] if isinstance(data, (tuple, list)) else data


class Unconditional(Conditioning):
    """Plain GANs: the generator maps z ~ N(0, I) to images; labels in the data are ignored.

    Args:
        latent_dim: size of z.
    """

    def __init__(self, latent_dim):
        self.latent_dim = int(latent_dim)

    def unpack(self, data):
        return images_of(data), None

    def generator_inputs(self, context, batch_size, seed_generator):
        return per_example(keras.random.normal, (batch_size, self.latent_dim), seed_generator), None

    def example(self):
        return ops.zeros((1, self.latent_dim)), None

    def preview(self, generator, num_samples, seed=0, batch=None):
        return generator(keras.random.normal((num_samples, self.latent_dim), seed=seed), training=False)
