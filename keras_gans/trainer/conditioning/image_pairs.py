"""Image-to-image conditioning: pix2pix (paired, Isola et al. 2017) and CycleGAN (unpaired, Zhu
et al. 2017)."""

from __future__ import annotations

from keras import ops

from keras_gans.errors import DataError
from keras_gans.trainer.conditioning.base import Conditioning
from keras_gans.trainer.sampling import translation_grid


def _pair(data, kind):
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise DataError(f"{kind} trains on (domain A, domain B) batches, e.g. load_dataset('paired:DIR').")
    return data


class PairedImages(Conditioning):
    """The generator translates source images; the discriminator judges (source, image) pairs.

    Conditioning D on the source (stacked on channels) is what makes pix2pix's D check that the
    output fits its input, not just that it looks real.

    Args:
        source_shape: (height, width, channels) of the source images.
    """

    needs_data_for_preview = True

    def __init__(self, source_shape):
        self.source_shape = tuple(int(d) for d in source_shape)

    def unpack(self, data):
        source, target = _pair(data, "pix2pix")
        return target, source

    def generator_inputs(self, context, batch_size, seed_generator):
        return context, context

    def discriminator_inputs(self, images, context):
        return ops.concatenate([ops.cast(context, images.dtype), images], axis=-1)

    def example(self):
        source = ops.zeros((1, *self.source_shape))
        return source, source

    def preview(self, generator, num_samples, seed=0, batch=None):
        source, target = _pair(batch, "A pix2pix preview")
        return translation_grid(generator, source[:num_samples], target[:num_samples])

    def preview_rows(self, num_samples):
        return 3  # sources, translations, targets


class UnpairedImages(Conditioning):
    """Both domains at once: real = (a, b), fakes = (b_to_a(b), a_to_b(a)) from `CycleGenerators`.

    Args:
        shape_a: (height, width, channels) of domain A images.
        shape_b: (height, width, channels) of domain B images.
    """

    needs_data_for_preview = True

    def __init__(self, shape_a, shape_b):
        self.shape_a = tuple(int(d) for d in shape_a)
        self.shape_b = tuple(int(d) for d in shape_b)

    def unpack(self, data):
        a, b = _pair(data, "CycleGAN")
        return (a, b), (a, b)

    def generator_inputs(self, context, batch_size, seed_generator):
        return context, None

    def example(self):
        return (ops.zeros((1, *self.shape_a)), ops.zeros((1, *self.shape_b))), None

    def preview(self, generator, num_samples, seed=0, batch=None):
        # Rows: A, G(A) in B, F(G(A)) back in A: translation and cycle at a glance.
        a, _ = _pair(batch, "A CycleGAN preview")
        return translation_grid(generator.a_to_b, a[:num_samples], cycle=generator.b_to_a)

    def preview_rows(self, num_samples):
        return 3  # A, A -> B, A -> B -> A
