"""The one adversarial model: every GAN variant is this train_step with another objective."""

from __future__ import annotations

import keras
from keras import ops

from keras_gans import backend
from keras_gans.objectives import get_objective
from keras_gans.trainer.tricks import (
    ExponentialMovingAverage,
    add_instance_noise,
    discriminator_targets,
    instance_noise_stddev,
)


class GAN(keras.Model):
    """Plays a generator against a discriminator under any objective and regularizers.

    Each `train_step` makes `d_steps` discriminator updates, each on a fresh slice of the real
    batch (so the data pipeline delivers `d_steps` slices at once), then one generator update.

    Args:
        generator:            keras.Model, z [batch, latent_dim] -> samples.
        discriminator:        keras.Model, samples -> logits of any shape [batch, ...].
        latent_dim:           size of z.
        objective:            name in `keras_gans.objectives.OBJECTIVES` or an `Objective`.
        regularizers:         `Regularizer` instances (gradient penalty, R1, weight clipping...).
        d_steps:              discriminator updates per generator update (WGAN's n_critic).
        label_smoothing:      one-sided smoothing of real targets (label-based objectives).
        label_flip:           probability of swapping a discriminator target.
        instance_noise:       initial stddev of Gaussian noise added to D's inputs.
        instance_noise_steps: steps over which that noise anneals linearly to 0.
        ema_decay:            if > 0, keep `ema_generator`, an EMA of the generator's weights.
        seed:                 seeds the latent and noise draws (with keras.utils.set_random_seed
                              for weights, runs repeat exactly on one machine).

    Example:
        >>> gan = GAN(MLPGenerator(8, (2,), output_activation=None), MLPDiscriminator(), latent_dim=8)
        >>> gan.compile(g_optimizer=keras.optimizers.Adam(1e-3), d_optimizer=keras.optimizers.Adam(1e-3))
        >>> gan.fit(dataset_of_batches, steps_per_epoch=100)
    """

    def __init__(
        self,
        generator,
        discriminator,
        *,
        latent_dim,
        objective="non_saturating",
        regularizers=(),
        d_steps=1,
        label_smoothing=0.0,
        label_flip=0.0,
        instance_noise=0.0,
        instance_noise_steps=1,
        ema_decay=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.objective = get_objective(objective) if isinstance(objective, str) else objective
        self.regularizers = list(regularizers)
        self.d_steps = int(d_steps)
        self.label_smoothing = float(label_smoothing)
        self.label_flip = float(label_flip)
        self.instance_noise = float(instance_noise)
        self.instance_noise_steps = int(instance_noise_steps)
        self.ema_decay = float(ema_decay)
        self.seed_generator = keras.random.SeedGenerator(seed)
        # Generator updates so far; lazy regularizers and noise annealing read it.
        self.step = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="step")

        self.generator(ops.zeros((1, self.latent_dim)))
        self.ema_generator = None
        if self.ema_decay > 0:
            self.ema_generator = generator.__class__.from_config(generator.get_config())
            self.ema_generator(ops.zeros((1, self.latent_dim)))
            self.ema_generator.trainable = False
            self.ema = ExponentialMovingAverage(generator, self.ema_generator, self.ema_decay)

        names = ["d_loss", "g_loss", *[r.name for r in self.regularizers], "real_score", "fake_score",
                 "d_grad_norm", "g_grad_norm"]
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def sampler(self):
        """The generator to draw samples from: the EMA one when the run keeps it."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, g_optimizer, d_optimizer, **kwargs):
        # Build each optimizer on its own network now: Keras would otherwise build the model's
        # `optimizer` on every trainable variable of both networks.
        sample = self.generator(ops.zeros((1, self.latent_dim)))
        self.discriminator(sample)
        g_optimizer.build(self.generator.trainable_variables)
        d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        kwargs.setdefault("jit_compile", False)
        # `optimizer` is the generator's, so callbacks read its learning rate and its iterations
        # count generator steps.
        super().compile(optimizer=g_optimizer, **kwargs)
        self.built = True

    def call(self, z, training=False):
        return self.sampler(z, training=training)

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        for real_slice in ops.split(real, self.d_steps, axis=0) if self.d_steps > 1 else [real]:
            self._discriminator_step(real_slice)
        self._generator_step(ops.shape(real)[0] // self.d_steps)
        self.step.assign_add(1)
        return {name: tracker.result() for name, tracker in self.trackers.items()}

    def _discriminator_step(self, real):
        batch_size = ops.shape(real)[0]
        fake = self.generator(self._latents(batch_size), training=True)
        real, fake = self._noisy(real), self._noisy(fake)
        targets = {}
        if self.objective.label_based and (self.label_smoothing or self.label_flip):
            real_targets, fake_targets = discriminator_targets(
                batch_size, self.label_smoothing, self.label_flip, self.seed_generator
            )
            targets = {"real_targets": real_targets, "fake_targets": fake_targets}

        def discriminator_loss():
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            adversarial = self.objective.discriminator_loss(real_logits, fake_logits, **targets)
            terms = {r.name: self._regularizer_term(r, real, fake) for r in self.regularizers}
            total = adversarial + sum(terms.values()) if terms else adversarial
            return total, (adversarial, terms, real_logits, fake_logits)

        variables = self.discriminator.trainable_variables
        _, aux, grads = backend.loss_gradients(discriminator_loss, variables)
        self.d_optimizer.apply(grads, variables)
        self.trackers["d_grad_norm"].update_state(_global_norm(grads))
        for regularizer in self.regularizers:
            regularizer.after_discriminator_update(self.discriminator)

        adversarial, terms, real_logits, fake_logits = aux
        self.trackers["d_loss"].update_state(adversarial)
        for name, term in terms.items():
            self.trackers[name].update_state(term)
        self.trackers["real_score"].update_state(ops.mean(self.objective.score(real_logits)))
        self.trackers["fake_score"].update_state(ops.mean(self.objective.score(fake_logits)))

    def _generator_step(self, batch_size):
        z = self._latents(batch_size)

        def generator_loss():
            fake_logits = self.discriminator(self._noisy(self.generator(z, training=True)), training=True)
            return self.objective.generator_loss(fake_logits), None

        variables = self.generator.trainable_variables
        loss, _, grads = backend.loss_gradients(generator_loss, variables)
        self.g_optimizer.apply(grads, variables)
        self.trackers["g_grad_norm"].update_state(_global_norm(grads))
        if self.ema_generator is not None:
            self.ema.update()
        self.trackers["g_loss"].update_state(loss)

    def _regularizer_term(self, regularizer, real, fake):
        def weighted_penalty(scale):
            penalty = regularizer.discriminator_penalty(
                lambda x: self.discriminator(x, training=True), real, fake, self.seed_generator
            )
            return ops.zeros(()) if penalty is None else regularizer.weight * scale * penalty

        if regularizer.every == 1:
            return weighted_penalty(1.0)
        # Lazy regularization (Karras et al. 2020): compute the term every k-th step, scaled by
        # k so its average strength is unchanged.
        due = ops.equal(self.step % regularizer.every, 0)
        return ops.cond(due, lambda: weighted_penalty(float(regularizer.every)), lambda: ops.zeros(()))

    def _latents(self, batch_size):
        return keras.random.normal((batch_size, self.latent_dim), seed=self.seed_generator)

    def _noisy(self, images):
        if not self.instance_noise:
            return images
        stddev = instance_noise_stddev(self.instance_noise, self.step, self.instance_noise_steps)
        return add_instance_noise(images, stddev, self.seed_generator)


def _global_norm(gradients):
    # A vanishing generator gradient is the first sign of a discriminator that wins outright.
    return ops.sqrt(sum(ops.sum(ops.square(g)) for g in gradients if g is not None))
