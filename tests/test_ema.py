"""EMA as a half-life in images with ramp-up (StyleGAN2-ADA), and the EMA generator's own
batch-norm statistics."""

import numpy as np
import pytest

import keras_gans  # noqa: F401  (selects the backend before keras is imported)
from keras_gans.networks import DCGANGenerator
from keras_gans.trainer.conditioning import ClassLabels, Unconditional
from keras_gans.trainer.standing_statistics import batch_norm_layers, recompute_batch_norm_statistics
from keras_gans.trainer.tricks import ExponentialMovingAverage

import keras  # noqa: E402


def dense_pair():
    def build():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.BatchNormalization()])
        return model
    keras.utils.set_random_seed(0)
    return build(), build()


def test_half_life_in_images_with_ramp_up_matches_stylegan2_ada():
    source, target = dense_pair()
    ema = ExponentialMovingAverage(source, target, ema_kimg=10, ema_rampup=0.05, batch_size=64)
    # ema_nimg = min(10000, step * 64 * 0.05); beta = 0.5 ** (64 / ema_nimg)
    assert float(ema.beta(0)) == 0.0                                   # the first update copies
    np.testing.assert_allclose(float(ema.beta(100)), 0.5 ** (64 / 320), rtol=1e-6)
    np.testing.assert_allclose(float(ema.beta(10**6)), 0.5 ** (64 / 10000), rtol=1e-6)
    plain = ExponentialMovingAverage(source, target, ema_kimg=10, batch_size=64)
    # Without ramp-up: after half-life / batch updates the old weights keep exactly half their weight.
    np.testing.assert_allclose(float(plain.beta(0)) ** (10000 / 64), 0.5, rtol=1e-5)


def test_update_averages_trainable_weights_and_copies_the_rest():
    source, target = dense_pair()
    ema = ExponentialMovingAverage(source, target, ema_kimg=1, ema_rampup=0.05, batch_size=10)
    old = [w.numpy() for w in target.weights]
    for w in source.weights:
        w.assign(w + 1.0)
    ema.update(step=1000)   # ema_nimg = min(1000, 1000 * 10 * 0.05) = 500; beta = 0.5 ** (10 / 500)
    beta = 0.5 ** (10 / 500)
    for (t, s, averaged), before in zip(ema.pairs, old):
        expected = beta * before + (1 - beta) * s.numpy() if averaged else s.numpy()
        np.testing.assert_allclose(t.numpy(), expected, rtol=1e-5)
    ExponentialMovingAverage(source, target, decay=0.9).update()   # the raw decay still works


@pytest.mark.parametrize("options", [dict(ema_kimg=10, batch_size=64, decay=0.9), dict(ema_kimg=-1, batch_size=64),
                                     dict(ema_kimg=10), dict(decay=1.0), dict(ema_kimg=10, batch_size=4, ema_rampup=0.05)])
def test_bad_ema_settings(options):
    source, target = dense_pair()
    if options.get("ema_rampup"):
        with pytest.raises(ValueError, match="step"):
            ExponentialMovingAverage(source, target, **options).update()
        return
    with pytest.raises(ValueError):
        ExponentialMovingAverage(source, target, **options)


def test_recomputed_statistics_are_the_exact_mean_of_batch_statistics():
    generator, _ = dense_pair()
    generator.trainable = False                                        # as the EMA generator is
    count = recompute_batch_norm_statistics(generator, Unconditional(4), num_batches=3, batch_size=32, seed=5)
    dense, norm = generator.layers
    seed = keras.random.SeedGenerator(5)
    batches = [dense(keras.random.normal((32, 4), seed=seed)).numpy() for _ in range(3)]
    assert count == 1 and norm.momentum == 0.99 and not norm.trainable
    np.testing.assert_allclose(norm.moving_mean.numpy(), np.mean([b.mean(0) for b in batches], 0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(norm.moving_variance.numpy(), np.mean([b.var(0) for b in batches], 0), rtol=1e-4)


def batch_statistics_output(generator, z):
    """What the network computes with its own batch statistics (a trainable clone in training mode)."""
    clone = generator.__class__.from_config(generator.get_config())
    clone(z[:1])
    clone.set_weights(generator.get_weights())
    return clone(z, training=True).numpy()


def test_the_ema_generator_needs_its_own_batch_norm_statistics():
    keras.utils.set_random_seed(1)
    live = DCGANGenerator(8, (16, 16, 1), width=4, norm="batch")
    ema_generator = DCGANGenerator(8, (16, 16, 1), width=4, norm="batch")
    z = keras.random.normal((256, 8), seed=3)
    live(z[:1]), ema_generator(z[:1])
    ema_generator.trainable = False
    ema = ExponentialMovingAverage(live, ema_generator, decay=0.9)
    # Training moves the live weights away from the average; its statistics follow it.
    rng = np.random.default_rng(0)
    for w in live.trainable_weights:
        w.assign(w.numpy() * 2.5 + rng.normal(0, 0.05, w.shape).astype("float32"))
    recompute_batch_norm_statistics(live, Unconditional(8), num_batches=4, batch_size=64)
    for _ in range(5):
        ema.update()                                                   # copies the live statistics
    reference = batch_statistics_output(ema_generator, z)
    copied_error = np.abs(ema_generator(z, training=False).numpy() - reference).mean()
    assert recompute_batch_norm_statistics(ema_generator, Unconditional(8), num_batches=8, batch_size=64) == len(
        batch_norm_layers(ema_generator)) > 0
    own_error = np.abs(ema_generator(z, training=False).numpy() - reference).mean()
    print(f"EMA generator vs its own batch statistics: copied {copied_error:.4f}, recomputed {own_error:.4f}")
    assert own_error < 0.25 * copied_error, (own_error, copied_error)


def test_conditional_generators_draw_labels_and_networks_without_batch_norm_are_left_alone():
    keras.utils.set_random_seed(2)
    conditional = DCGANGenerator(8, (16, 16, 1), width=4, norm="batch", num_classes=3)
    conditioning = ClassLabels(8, 3)
    conditional(conditioning.example()[0])
    before = [layer.moving_mean.numpy().copy() for layer in batch_norm_layers(conditional)]
    recompute_batch_norm_statistics(conditional, conditioning, num_batches=2, batch_size=8)
    assert any(not np.allclose(b, layer.moving_mean.numpy()) for b, layer in zip(before, batch_norm_layers(conditional)))
    plain = DCGANGenerator(8, (16, 16, 1), width=4, norm="layer")
    plain(keras.ops.zeros((1, 8)))
    assert recompute_batch_norm_statistics(plain, Unconditional(8)) == 0
