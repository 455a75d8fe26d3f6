"""InfoGAN's structured latent codes: Chen et al. 2016."""

from __future__ import annotations

import keras
from keras import ops

from keras_gans.backend import per_example
from keras_gans.trainer.conditioning.base import Conditioning, images_of
from keras_gans.trainer.sampling import code_grid, code_vector


class LatentCodes(Conditioning):
    """The generator takes `concat(z, one_hot(c_1), ..., c_cont)`; the codes are the fake context.

    Categorical codes are uniform over their values, continuous codes uniform in [-1, 1] (the
    paper's MNIST setting: one 10-way code and two continuous codes). Labels in the data are
    ignored: InfoGAN discovers its factors unsupervised.

    Args:
        latent_dim:  size of the noise z (the generator's input is wider by the codes).
        categorical: number of values of each categorical code, e.g. (10,).
        continuous:  number of continuous codes.

    Reference: https://arxiv.org/abs/1606.03657
    """

    def __init__(self, latent_dim, categorical=(10,), continuous=2):
        self.latent_dim = int(latent_dim)
        self.categorical = tuple(int(k) for k in categorical)
        self.continuous = int(continuous)

    def unpack(self, data):
        return images_of(data), None

    def sample_codes(self, batch_size, seed_generator):
        categorical = [
            keras.random.randint((batch_size,), 0, k, seed=seed_generator) for k in self.categorical
        ]
        categorical = ops.stack(categorical, axis=1) if categorical else ops.zeros((batch_size, 0), "int32")
        continuous = keras.random.uniform((batch_size, self.continuous), -1.0, 1.0, seed=seed_generator)
        return {"categorical": ops.cast(categorical, "int32"), "continuous": continuous}

    def generator_inputs(self, context, batch_size, seed_generator):
        codes = self.sample_codes(batch_size, seed_generator)
        z = per_example(keras.random.normal, (batch_size, self.latent_dim), seed_generator)
        return ops.concatenate([z, code_vector(codes, self.categorical)], axis=-1), codes

    def example(self):
        codes = {"categorical": ops.zeros((1, len(self.categorical)), "int32"),
                 "continuous": ops.zeros((1, self.continuous))}
        return ops.concatenate([ops.zeros((1, self.latent_dim)), code_vector(codes, self.categorical)], -1), codes

    def preview(self, generator, num_samples, seed=0, batch=None):
        # One row per value of the first categorical code (or continuous steps when there is none).
        rows = self.categorical[0] if self.categorical else 8
        return code_grid(generator, self.latent_dim, self.categorical, self.continuous, code=0,
                         values=rows, per_value=max(1, num_samples // rows), seed=seed)

    def preview_rows(self, num_samples):
        return self.categorical[0] if self.categorical else 8
