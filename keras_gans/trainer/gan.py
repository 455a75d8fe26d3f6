"""The one adversarial model: every GAN variant is this train_step with another objective,
conditioning, augmentation or set of regularizers and auxiliary terms."""

from __future__ import annotations

import keras
from keras import ops

from keras_gans import backend
from keras_gans.augment import Augmentation
from keras_gans.objectives import get_objective
from keras_gans.regularizers.base import PenaltyInputs
from keras_gans.trainer.conditioning import Unconditional
from keras_gans.trainer.history import HistoryBuffer
from keras_gans.trainer.optimizers import OptimizerPair
from keras_gans.trainer.standing_statistics import recompute_batch_norm_statistics
from keras_gans.trainer.terms import StepTensors
from keras_gans.trainer.tricks import (
    ExponentialMovingAverage,
    add_instance_noise,
    discriminator_targets,
    instance_noise_stddev,
)


# Logs for callbacks that are not per-step scalars (see `GAN._get_metrics_result_or_logs`).
DEVICE_LOGS = ("step", "recent_steps")


class GAN(keras.Model):
    """Plays a generator against a discriminator under any objective, regularizers and terms.

    Each `train_step` makes `d_steps` discriminator updates, each on a fresh slice of the real
    batch (so the data pipeline delivers `d_steps` slices at once), then one generator update on
    the last slice. What drives the generator (z, labels, codes, source images) and what the
    discriminator sees is the `conditioning`'s business; losses beyond the adversarial one (AC-GAN's
    class loss, InfoGAN's mutual information, pix2pix's L1, CycleGAN's cycle) are `terms`.

    The step is written once, for both Keras backends: it reads and assigns variables, and
    `keras_gans.backend` runs it statefully on TensorFlow and as a pure function of explicit
    state on JAX. Every loss is a mean over the global batch, also when data parallelism splits
    it. The logs of a step are that step's own values (not running means), plus `step` and
    `recent_steps`: a `[log_every, len(logged_names)]` ring buffer on the device whose row
    `(s - 1) % log_every` holds step s's values, so callbacks read the device once per
    `log_every` steps and still see every step, whatever `steps_per_execution` is. Epoch logs
    (History) hold the scalars only.

    Args:
        generator:            keras.Model, conditioning's generator inputs -> samples.
        discriminator:        keras.Model, samples (or `[samples, labels]`) -> logits of any shape
                              `[batch, ...]`, or a dict with "logits" and the outputs terms read.
        latent_dim:           size of z (0 where there is none, as in pix2pix).
        objective:            name in `keras_gans.objectives.OBJECTIVES` or an `Objective`.
        regularizers:         `Regularizer` instances (gradient penalty, R1, weight clipping...).
        terms:                `AuxiliaryTerm` instances (`keras_gans.trainer.terms`).
        conditioning:         a `Conditioning`; default `Unconditional(latent_dim)`.
        augment:              an `Augmentation` applied to every discriminator input.
        history_size:         if > 0, D sees fakes through a `HistoryBuffer` of that many images.
        d_steps:              discriminator updates per generator update (WGAN's n_critic).
        label_smoothing:      one-sided smoothing of real targets (label-based objectives).
        label_flip:           probability of swapping a discriminator target.
        instance_noise:       initial stddev of Gaussian noise added to D's inputs.
        instance_noise_steps: steps over which that noise anneals linearly to 0.
        ema_decay:            if > 0, keep `ema_generator`, an EMA of the generator's weights.
        ema_kimg:             or set the EMA as a half-life in thousands of images (StyleGAN2-ADA),
        ema_rampup:           with its ramp-up over the first images (None: none), which needs
        batch_size:           the global batch size.
        log_every:            rows of the `recent_steps` buffer (the callbacks' logging interval).
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
        terms=(),
        conditioning=None,
        augment=None,
        history_size=0,
        d_steps=1,
        label_smoothing=0.0,
        label_flip=0.0,
        instance_noise=0.0,
        instance_noise_steps=1,
        ema_decay=0.0,
        ema_kimg=None,
        ema_rampup=None,
        batch_size=None,
        log_every=1,
        seed=None,
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
        self.augment = augment or Augmentation()
        self.d_steps = int(d_steps)
        self.label_smoothing = float(label_smoothing)
        self.label_flip = float(label_flip)
        self.instance_noise = float(instance_noise)
        self.instance_noise_steps = int(instance_noise_steps)
        self.ema_decay = float(ema_decay)
        self.log_every = max(1, int(log_every))
        self.seed_generator = keras.random.SeedGenerator(seed)
        # Generator updates so far; lazy regularizers and noise annealing read it.
        self.step = self.add_weight(shape=(), dtype="int32", initializer="zeros", trainable=False, name="step")
        # Tracked here so that checkpoints hold them and the JAX step threads them as state.
        self.component_state = [v for c in (*self.regularizers, self.augment) for v in c.variables]

        example_inputs, example_context = self.conditioning.example()
        example_fake = self.generator(example_inputs)
        self.fake_history = None
        if history_size:
            self.fake_history = HistoryBuffer(history_size, (example_fake, example_context), name="history")
        self.ema_generator = None
        if self.ema_decay > 0 or ema_kimg is not None:
            self.ema_generator = generator.__class__.from_config(generator.get_config())
            self.ema_generator(example_inputs)
            self.ema_generator.trainable = False
            self.ema = ExponentialMovingAverage(generator, self.ema_generator, self.ema_decay,
                                                ema_kimg=ema_kimg, ema_rampup=ema_rampup, batch_size=batch_size)
        self._score_real_in_generator_step = (
            self.objective.generator_needs_real or any(term.needs_real_outputs for term in self.terms))

        term_names = [f"{side}_{term.name}" for term in self.terms for side in term.sides]
        penalties = [r.name for r in self.regularizers if r.adds_penalty]
        self.logged_names = ["d_loss", "g_loss", *penalties, *term_names, "real_score", "fake_score",
                             "d_grad_norm", "g_grad_norm", *self.augment.logs()]
        self.recent_steps = self.add_weight(shape=(self.log_every, len(self.logged_names)), dtype="float32",
                                            initializer="zeros", trainable=False, name="recent_steps")

    @property
    def sampler(self):
        """The generator to draw samples from: the EMA one when the run keeps it."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def prepare_sampler(self, num_batches=16, batch_size=64, seed=0):
        """The sampler, with batch-norm statistics of its own: an EMA generator's statistics are
        recomputed from its forward passes (the live generator's would be the wrong numbers);
        call it before drawing samples to show, score or export."""
        if self.ema_generator is not None:
            recompute_batch_norm_statistics(self.ema_generator, self.conditioning, num_batches=num_batches,
                                            batch_size=batch_size, seed=seed)
        return self.sampler

    @property
    def transient_variables(self):
        """Variables a resumed run need not restore: the step-log buffer (see `StepLog`)."""
        return [self.recent_steps]

    @property
    def metrics(self):
        # Each step reports its own values (see `recent_steps`); no running means to keep.
        return []

    @property
    def g_optimizer(self):
        return self.optimizer.generator

    @property
    def d_optimizer(self):
        return self.optimizer.discriminator

    def compile(self, g_optimizer, d_optimizer, **kwargs):
        for optimizer in (g_optimizer, d_optimizer):
            if getattr(optimizer, "use_ema", False):
                raise ValueError(f"{type(optimizer).__name__}(use_ema=True): the GAN keeps its own EMA "
                                 "generator (ema_decay=...); pass optimizers without use_ema.")
        if self.generator.dtype_policy.name == "mixed_float16" or self.discriminator.dtype_policy.name == "mixed_float16":
            # float16 gradients underflow without a loss scale; each player gets its own.
            g_optimizer, d_optimizer = (
                o if isinstance(o, keras.optimizers.LossScaleOptimizer) else keras.optimizers.LossScaleOptimizer(o)
                for o in (g_optimizer, d_optimizer))
        # Build each optimizer on its own network now: Keras would otherwise build the model's
        # `optimizer` on every trainable variable of both networks.
        inputs, context = self.conditioning.example()
        self.discriminator(self.conditioning.discriminator_inputs(self.generator(inputs), context))
        g_optimizer.build(self.generator.trainable_variables)
        d_optimizer.build(self.discriminator.trainable_variables)
        # On JAX every step is compiled anyway; on TensorFlow XLA stays the caller's choice, since
        # arbitrary user networks may not compile.
        kwargs.setdefault("jit_compile", backend.name == "jax")
        kwargs.setdefault("auto_scale_loss", False)
        super().compile(optimizer=OptimizerPair(g_optimizer, d_optimizer), **kwargs)
        self.built = True

    def call(self, inputs, training=False):
        # float32 images whatever the compute precision, as exports and sample grids expect.
        return ops.cast(self.sampler(inputs, training=training), "float32")

    def preview(self, num_samples=64, seed=0, batch=None):
        """Images for a sample grid from the sampler: one row per class for conditional models,
        source / translation / target rows for image-to-image ones (which need a data `batch`)."""
        images = self.conditioning.preview(self.sampler, num_samples, seed=seed, batch=batch)
        return ops.cast(images, "float32")

    def train_step(self, *args):
        # Keras calls train_step(data) on TensorFlow and train_step(state, data) on JAX.
        return backend.train_step(self, self._adversarial_step, *args)

    def _adversarial_step(self, data):
        slices = _split_batch(data, self.d_steps)
        d_values = [self._discriminator_step(*self.conditioning.unpack(s)) for s in slices]
        values = {name: sum(v[name] for v in d_values) / len(d_values) for name in d_values[0]}
        values.update(self._generator_step(*self.conditioning.unpack(slices[-1])))
        values.update(self.augment.logs())
        self.step.assign_add(1)
        row = backend.mean_over_replicas(ops.stack([ops.cast(values[n], "float32") for n in self.logged_names]))
        slot = ops.cast(ops.mod(self.step.value - 1, self.log_every), "int32")
        self.recent_steps.assign(ops.slice_update(self.recent_steps.value, (slot, 0), row[None, :]))
        logs = {name: row[i] for i, name in enumerate(self.logged_names)}
        # For callbacks (keras_gans.callbacks.steps), which read the device once per log_every.
        logs.update(step=self.step.value, recent_steps=self.recent_steps.value)
        return logs

    def _get_metrics_result_or_logs(self, logs):
        # Keras's epoch logs (History, `fit`'s return value) are the last step's: scalars only.
        return {name: value for name, value in logs.items() if name not in DEVICE_LOGS}

    def _discriminate(self, images, context):
        outputs = self.discriminator(self.conditioning.discriminator_inputs(images, context), training=True)
        return outputs if isinstance(outputs, dict) else {"logits": outputs}

    def _fakes(self, context, batch_size):
        inputs, fake_context = self.conditioning.generator_inputs(context, batch_size, self.seed_generator)
        return self.generator(inputs, training=True), fake_context

    def _discriminator_view(self, images):
        """What D sees of `images`: instance noise, then the augmentation, on every input.

        Both work in float32: under a mixed policy the fakes come in the compute dtype and the reals
        in float32, and D casts its inputs to its own."""
        if not self.instance_noise and self.augment.name == "none":
            return images
        images = keras.tree.map_structure(lambda x: ops.cast(x, "float32"), images)
        images = self._noisy(images)
        return keras.tree.map_structure(lambda x: self.augment(x, self.seed_generator), images)

    def _discriminator_step(self, real, context):
        batch_size = _batch_size(real)
        fake, fake_context = self._fakes(context, batch_size)
        if self.fake_history is not None:
            fake, fake_context = self.fake_history.swap((fake, fake_context), self.seed_generator)
        real, fake = self._discriminator_view(real), self._discriminator_view(fake)
        targets = {}
        if self.objective.label_based and (self.label_smoothing or self.label_flip):
            real_targets, fake_targets = discriminator_targets(
                batch_size, self.label_smoothing, self.label_flip, self.seed_generator
            )
            targets = {"real_targets": real_targets, "fake_targets": fake_targets}

        def discriminator_loss():
            real_outputs, fake_outputs = self._discriminate(real, context), self._discriminate(fake, fake_context)
            real_logits, fake_logits = real_outputs["logits"], fake_outputs["logits"]
            adversarial = self.objective.discriminator_loss(real_logits, fake_logits, **targets)
            inputs = PenaltyInputs(lambda x: self._discriminate(x, context)["logits"], real, fake,
                                   real_logits, fake_logits, self.seed_generator, _loss_scale(self.d_optimizer))
            penalties = {r.name: self._regularizer_term(r, inputs) for r in self.regularizers if r.adds_penalty}
            step = StepTensors(real, fake, real_outputs, fake_outputs, context, fake_context,
                               self.generator, self.discriminator)
            reported = self._term_values("d", step)
            total = adversarial + sum(penalties.values()) + self._weighted(reported)
            return self.d_optimizer.scale_loss(total), (adversarial, {**penalties, **reported}, real_logits, fake_logits)

        variables = self.discriminator.trainable_variables
        _, (adversarial, reported, real_logits, fake_logits), grads = backend.loss_gradients(
            discriminator_loss, variables)
        backend.apply_gradients(self.d_optimizer, grads, variables)
        reported = _unless_skipped(reported, grads, self.d_optimizer)
        for regularizer in self.regularizers:
            regularizer.after_discriminator_update(self.discriminator)
        self.augment.observe(ops.stop_gradient(real_logits))
        return {"d_loss": adversarial, **reported,
                "real_score": ops.mean(self.objective.score(real_logits)),
                "fake_score": ops.mean(self.objective.score(fake_logits)),
                "d_grad_norm": _unscaled_norm(grads, self.d_optimizer)}

    def _generator_step(self, real, context):
        real_seen = self._discriminator_view(real) if self._score_real_in_generator_step else None

        def generator_loss():
            fake, fake_context = self._fakes(context, _batch_size(real))
            fake_outputs = self._discriminate(self._discriminator_view(fake), fake_context)
            real_outputs = self._discriminate(real_seen, context) if real_seen is not None else None
            step = StepTensors(real, fake, real_outputs, fake_outputs, context, fake_context,
                               self.generator, self.discriminator)
            reported = self._term_values("g", step)
            real_logits = real_outputs["logits"] if real_outputs is not None else None
            adversarial = self.objective.generator_loss(real_logits, fake_outputs["logits"])
            total = adversarial + self._weighted(reported)
            return self.g_optimizer.scale_loss(total), (adversarial, reported)

        variables = self.generator.trainable_variables
        _, (adversarial, reported), grads = backend.loss_gradients(generator_loss, variables)
        backend.apply_gradients(self.g_optimizer, grads, variables)
        if self.ema_generator is not None:
            self.ema.update(self.step)
        return {"g_loss": adversarial, **reported, "g_grad_norm": _unscaled_norm(grads, self.g_optimizer)}

    def _term_values(self, side, step):
        """Unweighted values of the terms contributing to `side` ("d" or "g"), keyed by metric name."""
        method = "discriminator_loss" if side == "d" else "generator_loss"
        return {f"{side}_{t.name}": getattr(t, method)(step) for t in self.terms if side in t.sides}

    def _weighted(self, reported):
        weights = {name: term.weight for term in self.terms for name in (f"d_{term.name}", f"g_{term.name}")}
        return sum((weights[name] * value for name, value in reported.items()), ops.zeros(()))

    def _regularizer_term(self, regularizer, inputs):
        def weighted_penalty(scale):
            return regularizer.weight * scale * regularizer.discriminator_penalty(inputs)

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


def _loss_scale(optimizer):
    # LossScaleOptimizer (mixed_float16) keeps a dynamic scale; every other optimizer scales by 1.
    scale = getattr(optimizer, "dynamic_scale", None)
    return 1.0 if scale is None else ops.cast(scale, "float32")


def _unless_skipped(values, grads, optimizer):
    """Penalty values of a step a loss scale skipped, as 0.

    Under mixed_float16 the penalties' input gradients are taken at the loss scale too; a scale
    too large for them overflows, the optimizer skips the step and halves the scale (as it does
    for the weight gradients), and the penalty it did not apply is not the model's."""
    if getattr(optimizer, "dynamic_scale", None) is None:
        return values
    finite = optimizer.check_finite(grads)
    return {name: ops.where(finite, value, ops.zeros_like(value)) for name, value in values.items()}


def _unscaled_norm(grads, optimizer):
    norm = backend.gradient_norm(grads)
    if getattr(optimizer, "dynamic_scale", None) is None:
        return norm
    # A loss scale that overflowed makes the optimizer skip the step and halve the scale: that
    # step's gradients are not the model's, and their infinite norm is no sign of divergence.
    norm = norm / _loss_scale(optimizer)
    return ops.where(ops.isfinite(norm), norm, ops.zeros_like(norm))


def _batch_size(structure):
    return ops.shape(keras.tree.flatten(structure)[0])[0]


def _split_batch(data, parts):
    """A batch (any structure of `[parts * b, ...]` tensors) -> `parts` batches of `b`.

    Batch k takes every `parts`-th example from the k-th on. A strided split, unlike a contiguous
    one, is the same whether the batch is whole or data parallelism gave each replica a
    contiguous share of it: each critic step sees the same examples on 1 or N devices.
    """
    if parts == 1:
        return [data]

    def strided(leaf):
        grouped = ops.reshape(leaf, (-1, parts, *leaf.shape[1:]))
        return [grouped[:, k] for k in range(parts)]

    # Keras passes absent targets and sample weights as None leaves (fit on plain arrays).
    leaves = [[None] * parts if leaf is None else strided(leaf) for leaf in keras.tree.flatten(data)]
    return [keras.tree.pack_sequence_as(data, [leaf[i] for leaf in leaves]) for i in range(parts)]
