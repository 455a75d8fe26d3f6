"""The one adversarial model: every GAN variant is this train_step with another objective,
conditioning or set of auxiliary terms."""

from __future__ import annotations

import keras
from keras import ops

from keras_gans import backend
from keras_gans.objectives import get_objective
from keras_gans.trainer.conditioning import Unconditional
from keras_gans.trainer.history import HistoryBuffer
from keras_gans.trainer.terms import StepTensors
from keras_gans.trainer.tricks import (
    ExponentialMovingAverage,
    add_instance_noise,
    discriminator_targets,
    instance_noise_stddev,
)


class GAN(keras.Model):
    """Plays a generator against a discriminator under any objective, regularizers and terms.

    Each `train_step` makes `d_steps` discriminator updates, each on a fresh slice of the real
    batch (so the data pipeline delivers `d_steps` slices at once), then one generator update on
    the last slice. What drives the generator (z, labels, codes, source images) and what the
    discriminator sees is the `conditioning`'s business; losses beyond the adversarial one (AC-GAN's
    class loss, InfoGAN's mutual information, pix2pix's L1, CycleGAN's cycle) are `terms`.

    Args:
        generator:            keras.Model, conditioning's generator inputs -> samples.
        discriminator:        keras.Model, samples (or `[samples, labels]`) -> logits of any shape
                              `[batch, ...]`, or a dict with "logits" and the outputs terms read.
        latent_dim:           size of z (0 where there is none, as in pix2pix).
        objective:            name in `keras_gans.objectives.OBJECTIVES` or an `Objective`.
        regularizers:         `Regularizer` instances (gradient penalty, R1, weight clipping...).
        terms:                `AuxiliaryTerm` instances (`keras_gans.trainer.terms`).
        conditioning:         a `Conditioning`; default `Unconditional(latent_dim)`.
        history_size:         if > 0, D sees fakes through a `HistoryBuffer` of that many images.
        d_steps:              discriminator updates per generator update (WGAN's n_critic).
        label_smoothing:      one-sided smoothing of real targets (label-based objectives).
        label_flip:           probability of swapping a discriminator target.
        instance_noise:       initial stddev of Gaussian noise added to D's inputs.
        instance_noise_steps: steps over which that noise anneals linearly to 0.
        ema_decay:            if > 0, keep `ema_generator`, an EMA of the generator's weights.
        seed:                 seeds the latent and noise draws (with keras.utils.set_random_seed
                              for weights, runs repeat exactly on one machine).
        log_every:            rows of `recent_steps`, the on-device buffer of every step's values
                              that callbacks read once per `log_every` steps (see train_step).

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
        terms=(),
        conditioning=None,
        history_size=0,
        d_steps=1,
        label_smoothing=0.0,
        label_flip=0.0,
        instance_noise=0.0,
        instance_noise_steps=1,
        ema_decay=0.0,
        seed=None,
        log_every=50,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.objective = get_objective(objective) if isinstance(objective, str) else objective
        self.regularizers = list(regularizers)
        self.terms = list(terms)
        self.conditioning = conditioning or Unconditional(self.latent_dim)
        self.d_steps = int(d_steps)
        self.label_smoothing = float(label_smoothing)
        self.label_flip = float(label_flip)
        self.instance_noise = float(instance_noise)
        self.instance_noise_steps = int(instance_noise_steps)
        self.ema_decay = float(ema_decay)
        self.seed_generator = keras.random.SeedGenerator(seed)
        # Generator updates so far; lazy regularizers and noise annealing read it.
        self.step = self.add_weight(shape=(), dtype="int64", initializer="zeros", trainable=False, name="step")

        example_inputs, example_context = self.conditioning.example()
        example_fake = self.generator(example_inputs)
        self.fake_history = None
        if history_size:
            self.fake_history = HistoryBuffer(history_size, (example_fake, example_context), name="history")
        self.ema_generator = None
        if self.ema_decay > 0:
            self.ema_generator = generator.__class__.from_config(generator.get_config())
            self.ema_generator(example_inputs)
            self.ema_generator.trainable = False
            self.ema = ExponentialMovingAverage(generator, self.ema_generator, self.ema_decay)
        self._score_real_in_generator_step = any(term.needs_real_outputs for term in self.terms)

        term_names = [f"{side}_{term.name}" for term in self.terms for side in term.sides]
        penalties = [r.name for r in self.regularizers if r.adds_penalty]
        names = ["d_loss", "g_loss", *penalties, *term_names,
                 "real_score", "fake_score", "d_grad_norm", "g_grad_norm"]
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}
        # STAND-IN for the lead's stateless step (issue 10's logging contract): each step's own values
        # also land in row (step - 1) % log_every, so callbacks copy them to the host once per interval.
        self.log_every = max(1, int(log_every))
        self.logged_names = list(names)
        self.recent_steps = self.add_weight(shape=(self.log_every, len(names)), dtype="float32",
                                            initializer="zeros", trainable=False, name="recent_steps")

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
        inputs, context = self.conditioning.example()
        self.discriminator(self.conditioning.discriminator_inputs(self.generator(inputs), context))
        g_optimizer.build(self.generator.trainable_variables)
        d_optimizer.build(self.discriminator.trainable_variables)
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        kwargs.setdefault("jit_compile", False)
        # `optimizer` is the generator's, so callbacks read its learning rate and its iterations
        # count generator steps.
        super().compile(optimizer=g_optimizer, **kwargs)
        self.built = True

    def call(self, inputs, training=False):
        return self.sampler(inputs, training=training)

    def preview(self, num_samples=64, seed=0, batch=None):
        """Images for a sample grid from the sampler: one row per class for conditional models,
        source / translation / target rows for image-to-image ones (which need a data `batch`)."""
        return self.conditioning.preview(self.sampler, num_samples, seed=seed, batch=batch)

    def train_step(self, data):
        """Returns this step's own values (scalars), `step` (the count after it) and `recent_steps`
        (`[log_every, len(logged_names)]`, row `(s - 1) % log_every` = step s's values)."""
        for tracker in self.trackers.values():
            tracker.reset_state()
        slices = _split_batch(data, self.d_steps)
        for data_slice in slices:
            self._discriminator_step(*self.conditioning.unpack(data_slice))
        self._generator_step(*self.conditioning.unpack(slices[-1]))
        self.step.assign_add(1)
        values = {name: tracker.result() for name, tracker in self.trackers.items()}
        row = ops.stack([ops.cast(values[name], "float32") for name in self.logged_names])[None]
        index = ops.cast((self.step - 1) % self.log_every, "int32")
        self.recent_steps.assign(ops.slice_update(self.recent_steps, [index, 0], row))
        return {**values, "step": ops.convert_to_tensor(self.step),
                "recent_steps": ops.convert_to_tensor(self.recent_steps)}

    def _discriminate(self, images, context):
        outputs = self.discriminator(self.conditioning.discriminator_inputs(images, context), training=True)
        return outputs if isinstance(outputs, dict) else {"logits": outputs}

    def _fakes(self, context, batch_size):
        inputs, fake_context = self.conditioning.generator_inputs(context, batch_size, self.seed_generator)
        return self.generator(inputs, training=True), fake_context

    def _discriminator_step(self, real, context):
        batch_size = _batch_size(real)
        fake, fake_context = self._fakes(context, batch_size)
        if self.fake_history is not None:
            fake, fake_context = self.fake_history.swap((fake, fake_context), self.seed_generator)
        real, fake = self._noisy(real), self._noisy(fake)
        targets = {}
        if self.objective.label_based and (self.label_smoothing or self.label_flip):
            real_targets, fake_targets = discriminator_targets(
                batch_size, self.label_smoothing, self.label_flip, self.seed_generator
            )
            targets = {"real_targets": real_targets, "fake_targets": fake_targets}

        def discriminator_loss():
            real_outputs, fake_outputs = self._discriminate(real, context), self._discriminate(fake, fake_context)
            adversarial = self.objective.discriminator_loss(real_outputs["logits"], fake_outputs["logits"], **targets)
            terms = {r.name: self._regularizer_term(r, real, fake, context)
                     for r in self.regularizers if r.adds_penalty}
            step = StepTensors(real, fake, real_outputs, fake_outputs, context, fake_context,
                               self.generator, self.discriminator)
            reported = self._term_values("d", step)
            total = adversarial + sum(terms.values()) + self._weighted(reported)
            return total, (adversarial, {**terms, **reported}, real_outputs["logits"], fake_outputs["logits"])

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

    def _generator_step(self, real, context):
        def generator_loss():
            fake, fake_context = self._fakes(context, _batch_size(real))
            fake_outputs = self._discriminate(self._noisy(fake), fake_context)
            real_outputs = self._discriminate(real, context) if self._score_real_in_generator_step else None
            step = StepTensors(real, fake, real_outputs, fake_outputs, context, fake_context,
                               self.generator, self.discriminator)
            reported = self._term_values("g", step)
            adversarial = self.objective.generator_loss(fake_outputs["logits"])
            return adversarial + self._weighted(reported), (adversarial, reported)

        variables = self.generator.trainable_variables
        _, (adversarial, reported), grads = backend.loss_gradients(generator_loss, variables)
        self.g_optimizer.apply(grads, variables)
        self.trackers["g_grad_norm"].update_state(_global_norm(grads))
        if self.ema_generator is not None:
            self.ema.update()
        self.trackers["g_loss"].update_state(adversarial)
        for name, value in reported.items():
            self.trackers[name].update_state(value)

    def _term_values(self, side, step):
        """Unweighted values of the terms contributing to `side` ("d" or "g"), keyed by metric name."""
        method = "discriminator_loss" if side == "d" else "generator_loss"
        return {f"{side}_{t.name}": getattr(t, method)(step) for t in self.terms if side in t.sides}

    def _weighted(self, reported):
        weights = {name: term.weight for term in self.terms for name in (f"d_{term.name}", f"g_{term.name}")}
        return sum((weights[name] * value for name, value in reported.items()), ops.zeros(()))

    def _regularizer_term(self, regularizer, real, fake, context):
        def discriminator_fn(images):
            return self._discriminate(images, context)["logits"]

        def weighted_penalty(scale):
            penalty = regularizer.discriminator_penalty(discriminator_fn, real, fake, self.seed_generator)
            return regularizer.weight * scale * penalty

        if regularizer.every == 1:
            return weighted_penalty(1.0)
        # Lazy regularization (Karras et al. 2020): compute the term every k-th step, scaled by
        # k so its average strength is unchanged.
        due = ops.equal(self.step % regularizer.every, 0)
        return ops.cond(due, lambda: weighted_penalty(float(regularizer.every)), lambda: ops.zeros(()))

    def _noisy(self, images):
        if not self.instance_noise:
            return images
        stddev = instance_noise_stddev(self.instance_noise, self.step, self.instance_noise_steps)
        return keras.tree.map_structure(lambda x: add_instance_noise(x, stddev, self.seed_generator), images)


def _batch_size(structure):
    return ops.shape(keras.tree.flatten(structure)[0])[0]


def _split_batch(data, parts):
    """A batch (any structure of `[parts * b, ...]` tensors) -> `parts` batches of `b`."""
    if parts == 1:
        return [data]
    # Keras passes absent targets and sample weights as None leaves (fit on plain arrays).
    leaves = [[None] * parts if leaf is None else ops.split(leaf, parts, axis=0)
              for leaf in keras.tree.flatten(data)]
    return [keras.tree.pack_sequence_as(data, [leaf[i] for leaf in leaves]) for i in range(parts)]


def _global_norm(gradients):
    # A vanishing generator gradient is the first sign of a discriminator that wins outright.
    return ops.sqrt(sum(ops.sum(ops.square(g)) for g in gradients if g is not None))
