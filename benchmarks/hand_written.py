"""The baselines: a train step a careful user would write without this library, per backend.

Same networks, batch, objective, penalty and critic schedule as our trainer, none of its
bookkeeping (metrics, hooks, EMA, step logs). On TensorFlow one `tf.function` with
`tf.GradientTape`s; on JAX one `jax.jit` of a pure function over `stateless_call` and
`optimizer.stateless_apply`, every piece of state passed in and returned (Keras's guide
`custom_train_step_in_jax.py` writes its GAN the same way).

    step = hand_written_step(config, generator, discriminator, image_shape)
    losses = step(real_images)          # [d_steps * batch_size, ...]; state is kept inside
"""

from __future__ import annotations

import keras
from keras import ops

from keras_gans.assembly import jit_compile, make_optimizer
from keras_gans.regularizers.gamma import resolve_gamma

# The objectives, written the way a tutorial would; keras.ops runs them on either backend.
D_LOSS = {
    "non_saturating": lambda r, f: ops.mean(ops.softplus(-r)) + ops.mean(ops.softplus(f)),
    "minimax": lambda r, f: ops.mean(ops.softplus(-r)) + ops.mean(ops.softplus(f)),
    "wasserstein": lambda r, f: ops.mean(f) - ops.mean(r),
    "least_squares": lambda r, f: 0.5 * ops.mean((r - 1.0) ** 2) + 0.5 * ops.mean(f**2),
    "hinge": lambda r, f: ops.mean(ops.relu(1.0 - r)) + ops.mean(ops.relu(1.0 + f)),
}
G_LOSS = {
    "non_saturating": lambda f: ops.mean(ops.softplus(-f)),
    "minimax": lambda f: -ops.mean(ops.softplus(f)),
    "wasserstein": lambda f: -ops.mean(f),
    "least_squares": lambda f: 0.5 * ops.mean((f - 1.0) ** 2),
    "hinge": lambda f: -ops.mean(f),
}


def gradient_penalty(gradients, weight):
    norm = ops.sqrt(ops.sum(ops.square(gradients), axis=[1, 2, 3]) + 1e-12)
    return weight * ops.mean((norm - 1.0) ** 2)


def r1_penalty(gradients, gamma):
    return gamma / 2 * ops.mean(ops.sum(ops.square(gradients), axis=[1, 2, 3]))


def hand_written_step(config, generator, discriminator, image_shape):
    """The backend's baseline step for `config` on these networks and images of `image_shape`."""
    build = _tensorflow_step if keras.backend.backend() == "tensorflow" else _JaxStep
    return build(config, generator, discriminator, _penalty_settings(config, image_shape))


def _penalty_settings(config, image_shape):
    """(GP weight, R1 gamma, clip value), None where the recipe has no such regularizer."""
    gp = config.regularizers.get("gradient_penalty")
    r1 = config.regularizers.get("r1")
    if r1 is not None:  # `gamma: auto` -> StyleGAN2-ADA's value for these images
        r1 = resolve_gamma(r1, image_shape, config.batch_size)
    clip = config.regularizers.get("weight_clipping")
    return (None if gp is None else gp.get("weight", 10.0), None if r1 is None else r1.get("gamma", 10.0),
            None if clip is None else clip["clip_value"])


def _tensorflow_step(config, generator, discriminator, penalties):
    import tensorflow as tf

    g_opt, d_opt = make_optimizer(config, config.g_lr), make_optimizer(config, config.d_lr)
    d_loss_fn, g_loss_fn = D_LOSS[config.objective], G_LOSS[config.objective]
    gp_weight, r1_gamma, clip = penalties

    def input_gradients(x):
        with tf.GradientTape() as inner:
            inner.watch(x)
            score = tf.reduce_sum(discriminator(x, training=True))
        return inner.gradient(score, x)

    @tf.function(jit_compile=jit_compile(config))
    def step(real):
        for chunk in tf.split(real, config.d_steps):
            n = tf.shape(chunk)[0]
            fake = generator(tf.random.normal((n, config.latent_dim)), training=True)
            with tf.GradientTape() as tape:
                d_loss = d_loss_fn(discriminator(chunk, training=True), discriminator(fake, training=True))
                if gp_weight is not None:
                    eps = tf.random.uniform((n, 1, 1, 1))
                    d_loss += gradient_penalty(input_gradients(eps * chunk + (1 - eps) * fake), gp_weight)
                if r1_gamma is not None:
                    d_loss += r1_penalty(input_gradients(chunk), r1_gamma)
            variables = discriminator.trainable_variables
            d_opt.apply(tape.gradient(d_loss, variables), variables)
            if clip is not None:
                for v in variables:
                    v.assign(tf.clip_by_value(v, -clip, clip))
        with tf.GradientTape() as tape:
            fake = generator(tf.random.normal((n, config.latent_dim)), training=True)
            g_loss = g_loss_fn(discriminator(fake, training=True))
        variables = generator.trainable_variables
        g_opt.apply(tape.gradient(g_loss, variables), variables)
        return d_loss, g_loss

    return step


class _JaxStep:
    """`step(real)` over a jitted pure function; the state lives here between calls."""

    def __init__(self, config, generator, discriminator, penalties):
        import jax

        self.g_opt, self.d_opt = make_optimizer(config, config.g_lr), make_optimizer(config, config.d_lr)
        self.g_opt.build(generator.trainable_variables)
        self.d_opt.build(discriminator.trainable_variables)
        self.state = (
            [v.value for v in generator.trainable_variables], [v.value for v in generator.non_trainable_variables],
            [v.value for v in discriminator.trainable_variables],
            [v.value for v in discriminator.non_trainable_variables],
            [v.value for v in self.g_opt.variables], [v.value for v in self.d_opt.variables],
            jax.random.key(config.seed or 0),
        )
        self.config, self.generator, self.discriminator, self.penalties = config, generator, discriminator, penalties
        self.jitted = jax.jit(self.pure_step, donate_argnums=0)

    def __call__(self, real):
        self.state, losses = self.jitted(self.state, real)
        return losses

    def pure_step(self, state, real):
        import jax
        import jax.numpy as jnp

        config, generator, discriminator = self.config, self.generator, self.discriminator
        g_params, g_state, d_params, d_state, g_opt_vars, d_opt_vars, key = state
        d_loss_fn, g_loss_fn = D_LOSS[config.objective], G_LOSS[config.objective]
        gp_weight, r1_gamma, clip = self.penalties

        def score_sum(params, values, x):
            return jnp.sum(discriminator.stateless_call(params, values, x, training=True)[0])

        def critic_loss(params, values, real, fake, eps):
            real_logits, values = discriminator.stateless_call(params, values, real, training=True)
            fake_logits, values = discriminator.stateless_call(params, values, fake, training=True)
            loss = d_loss_fn(real_logits, fake_logits)
            if gp_weight is not None:
                mixed = eps * real + (1 - eps) * fake
                loss += gradient_penalty(jax.grad(score_sum, argnums=2)(params, values, mixed), gp_weight)
            if r1_gamma is not None:
                loss += r1_penalty(jax.grad(score_sum, argnums=2)(params, values, real), r1_gamma)
            return loss, values

        def generator_loss(params, values, d_params, d_values, z):
            fake, values = generator.stateless_call(params, values, z, training=True)
            logits, d_values = discriminator.stateless_call(d_params, d_values, fake, training=True)
            return g_loss_fn(logits), (values, d_values)

        for chunk in jnp.split(real, config.d_steps):
            n = chunk.shape[0]
            key, z_key, eps_key = jax.random.split(key, 3)
            z = jax.random.normal(z_key, (n, config.latent_dim))
            fake, g_state = generator.stateless_call(g_params, g_state, z, training=True)
            eps = jax.random.uniform(eps_key, (n, 1, 1, 1))
            (d_loss, d_state), grads = jax.value_and_grad(critic_loss, has_aux=True)(
                d_params, d_state, chunk, fake, eps)
            d_params, d_opt_vars = self.d_opt.stateless_apply(d_opt_vars, grads, d_params)
            if clip is not None:
                d_params = [jnp.clip(p, -clip, clip) for p in d_params]
        key, z_key = jax.random.split(key)
        z = jax.random.normal(z_key, (n, config.latent_dim))
        (g_loss, (g_state, d_state)), grads = jax.value_and_grad(generator_loss, has_aux=True)(
            g_params, g_state, d_params, d_state, z)
        g_params, g_opt_vars = self.g_opt.stateless_apply(g_opt_vars, grads, g_params)
        return (g_params, g_state, d_params, d_state, g_opt_vars, d_opt_vars, key), (d_loss, g_loss)

