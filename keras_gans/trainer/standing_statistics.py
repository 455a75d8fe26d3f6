"""Batch-norm statistics of the network one actually samples from (the EMA generator).

An EMA generator's weights are an average of past weights, so the activations feeding each of its
batch-norm layers have other means and variances than the live generator's. Copying the live
generator's moving statistics (what StyleGAN does with its buffers, and what
`ExponentialMovingAverage` does on every update) normalizes the EMA network with the wrong
numbers. `recompute_batch_norm_statistics` replaces them with the EMA network's own: the average
of its batch statistics over a few forward passes in training mode ("standing statistics", as
BigGAN computes them for its sampler, Brock et al. 2019).
"""

from __future__ import annotations

import keras

from keras_gans.errors import ConfigError


def batch_norm_layers(model) -> list:
    """Every `keras.layers.BatchNormalization` inside `model`, however deeply nested."""
    # Keras' own recursive walk over tracked sub-layers (plain layers included, not only Models).
    return [layer for layer in model._flatten_layers(include_self=False)
            if isinstance(layer, keras.layers.BatchNormalization)]


def _class_labels(conditioning, batch_size, seed_generator):
    return keras.random.randint((batch_size,), 0, conditioning.num_classes, seed=seed_generator)


def recompute_batch_norm_statistics(generator, conditioning, num_batches=16, batch_size=64, seed=0,
                                    contexts=None) -> int:
    """Sets each batch-norm layer's moving statistics to the mean of `generator`'s own batch
    statistics over `num_batches` forward passes in training mode; returns how many layers.

    Only the moving mean and variance change (the average is exact: the k-th batch enters with
    weight 1/k); weights are untouched. Call it on the EMA generator before sampling from it or
    exporting it, after the last `ExponentialMovingAverage.update`. Without batch norm it does
    nothing and returns 0.

    Args:
        generator:    the network whose statistics to recompute (usually the EMA generator).
        conditioning: the trainer's `Conditioning`, which draws the generator's inputs.
        num_batches:  forward passes to average over.
        batch_size:   images per pass (the training batch size matches what the layers saw).
        seed:         seed of the latent (and label) draws, so a recomputation repeats.
        contexts:     what conditions each pass where the conditioning needs data (source images
                      of image-to-image models): an iterable of at least `num_batches` contexts.
                      Class labels are drawn uniformly when omitted.
    """
    layers = batch_norm_layers(generator)
    if not layers:
        return 0
    if num_batches < 1 or batch_size < 1:
        raise ConfigError(f"num_batches and batch_size must be >= 1; got {num_batches}, {batch_size}.")
    seed_generator = keras.random.SeedGenerator(seed)
    contexts = iter(contexts) if contexts is not None else None
    saved = [(layer.momentum, layer.trainable) for layer in layers]
    try:
        for layer in layers:
            # A frozen batch-norm layer (the EMA generator is not trainable) normalizes with its
            # moving statistics even in training mode and never updates them.
            layer.trainable = True
        for k in range(1, num_batches + 1):
            if contexts is not None:
                context = next(contexts)
            elif hasattr(conditioning, "num_classes"):
                context = _class_labels(conditioning, batch_size, seed_generator)
            elif getattr(conditioning, "needs_data_for_preview", False):
                raise ConfigError(f"{type(conditioning).__name__} generators translate data: pass `contexts`, "
                                  "an iterable of source batches, to recompute their statistics.")
            else:
                context = None
            for layer in layers:
                # Keras' update is moving * momentum + batch * (1 - momentum): 1 - 1/k makes it a
                # running mean of the batch statistics, whatever the moving values were before.
                layer.momentum = (k - 1) / k
            inputs, _ = conditioning.generator_inputs(context, batch_size, seed_generator)
            generator(inputs, training=True)
    finally:
        for layer, (momentum, trainable) in zip(layers, saved):
            layer.momentum, layer.trainable = momentum, trainable
    return len(layers)
