"""Adaptive discriminator augmentation: Karras et al. 2020, "Training Generative Adversarial Networks
with Limited Data" (StyleGAN2-ADA)."""

from __future__ import annotations

import math
import numbers

import keras
from keras import ops

from keras_gans.augment import transforms
from keras_gans.augment.base import Augmentation
from keras_gans.errors import ConfigError

# The luma axis of AugmentPipe's colour transforms: brightness moves along it, luma flip reflects
# across the plane orthogonal to it, hue rotates around it, saturation scales away from it.
_LUMA = 1.0 / math.sqrt(3.0)


class AdaptiveAugment(Augmentation):
    """AugmentPipe's pixel-blitting and colour transforms, each applied with probability `p`,
    where `p` follows how much the discriminator overfits.

    Transforms, in AugmentPipe's order, each with probability `multiplier * p` per image:
    x-flip (then a fair coin), 90-degree rotation (0-3 quarter turns; square images only),
    integer translation by up to `xint_max` of each side with reflect fill, brightness
    `+N(0, 0.2)`, contrast `x 2^N(0, 0.5)`, luma flip, hue rotation `U(-pi, pi) * hue_max`,
    saturation `x 2^N(0, 1)` (the last three leave one-channel images unchanged or, for luma
    flip, negate them, exactly as AugmentPipe's grey-scale path does). AugmentPipe's general
    geometric transforms (fractional translation, scaling, arbitrary rotation, all through
    upsampled resampling) and image-space filtering are left out.

    The ADA heuristic: every `interval` discriminator steps, `r_t = E[sign(D(real))]` over those
    steps, and `p += sign(r_t - target) * batch * interval / (adjust_kimg * 1000)`, clipped to
    [0, 1] (`training_loop.py`: ada_target=0.6, ada_interval=4, ada_kimg=500). With
    `target=None`, `p` stays fixed.

    Args:
        p:           initial (or, with target=None, fixed) augmentation probability.
        target:      r_t the heuristic steers towards (0.6 in the paper), or None.
        interval:    discriminator steps between adjustments (4).
        adjust_kimg: thousands of images over which p can move by 1 (500 in the paper; a
                     smaller value reacts faster in short runs).
        xflip, rotate90, xint, brightness, contrast, lumaflip, hue, saturation:
                     probability multipliers of each transform (1 = AugmentPipe's "bgc" setting;
                     0 turns one off).
        xint_max, brightness_std, contrast_std, hue_max, saturation_std: AugmentPipe's ranges.

    Example:
        >>> ada = AdaptiveAugment(p=0.0)
        >>> ada(images, keras.random.SeedGenerator(0))   # p = 0: the images, unchanged

    Reference: https://arxiv.org/abs/2006.06676 (github.com/NVlabs/stylegan2-ada-pytorch)
    """

    name = "ada"

    def __init__(self, p=0.0, target=0.6, interval=4, adjust_kimg=500.0,
                 xflip=1.0, rotate90=1.0, xint=1.0, brightness=1.0, contrast=1.0, lumaflip=1.0,
                 hue=1.0, saturation=1.0, xint_max=0.125, brightness_std=0.2, contrast_std=0.5,
                 hue_max=1.0, saturation_std=1.0):
        _check_number("p", p, 0.0, 1.0)
        if target is not None:
            _check_number("target", target, 0.0, 1.0)
        if isinstance(interval, bool) or not isinstance(interval, numbers.Integral) or interval < 1:
            raise ConfigError(f"ada: interval must be an integer >= 1; got {interval!r}.")
        _check_number("adjust_kimg", adjust_kimg, 1e-9, math.inf)
        self.multipliers = {"xflip": xflip, "rotate90": rotate90, "xint": xint, "brightness": brightness,
                            "contrast": contrast, "lumaflip": lumaflip, "hue": hue, "saturation": saturation}
        for name, value in self.multipliers.items():
            _check_number(name, value, 0.0, math.inf)
        self.ranges = {"xint_max": xint_max, "brightness_std": brightness_std, "contrast_std": contrast_std,
                       "hue_max": hue_max, "saturation_std": saturation_std}
        for name, value in self.ranges.items():
            _check_number(name, value, 0.0, math.inf)
        self.initial_p = float(p)
        self.target = None if target is None else float(target)
        self.interval = int(interval)
        self.adjust_kimg = float(adjust_kimg)
        self.p = keras.Variable(self.initial_p, dtype="float32", trainable=False, name="augment_p")
        self.rt = keras.Variable(0.0, dtype="float32", trainable=False, name="augment_rt")
        self._sign_sum = keras.Variable(0.0, dtype="float32", trainable=False, name="augment_sign_sum")
        self._observed = keras.Variable(0.0, dtype="float32", trainable=False, name="augment_observed")

    @property
    def variables(self):
        return [self.p, self.rt, self._sign_sum, self._observed]

    def __call__(self, images, seed_generator):
        images = self._pixel_blitting(images, seed_generator)
        return self._color(images, seed_generator)

    def _chance(self, images, name, seed_generator):
        return transforms.per_example_chance(images, self.multipliers[name] * self.p.value, seed_generator)

    def _pixel_blitting(self, images, seed_generator):
        n = transforms.batch_size(images)
        if self.multipliers["xflip"]:
            coin = transforms.per_example_uniform(images, seed_generator) < 0.5
            images = transforms.flip_x(images, ops.logical_and(coin, self._chance(images, "xflip", seed_generator)))
        if self.multipliers["rotate90"] and images.shape[1] == images.shape[2]:
            turns = keras.random.randint((n,), 0, 4, seed=seed_generator)
            chosen = ops.reshape(self._chance(images, "rotate90", seed_generator), (-1,))
            images = transforms.rotate90(images, ops.where(chosen, turns, 0))
        if self.multipliers["xint"]:
            chosen = ops.reshape(self._chance(images, "xint", seed_generator), (-1,))
            shifts = []
            for side in images.shape[1:3]:
                fraction = keras.random.uniform((n,), -1.0, 1.0, seed=seed_generator) * self.ranges["xint_max"]
                shifts.append(ops.where(chosen, ops.cast(ops.round(fraction * side), "int32"), 0))
            images = transforms.translate(images, *shifts, fill="reflect")
        return images

    def _color(self, images, seed_generator):
        ranges, rgb = self.ranges, images.shape[-1] == 3
        if self.multipliers["brightness"]:
            shift = transforms.per_example_normal(images, seed_generator, ranges["brightness_std"])
            images = images + ops.where(self._chance(images, "brightness", seed_generator), shift, 0.0)
        if self.multipliers["contrast"]:
            scale = ops.power(2.0, transforms.per_example_normal(images, seed_generator, ranges["contrast_std"]))
            images = images * ops.where(self._chance(images, "contrast", seed_generator), scale, 1.0)
        if self.multipliers["lumaflip"]:
            coin = transforms.per_example_uniform(images, seed_generator) < 0.5
            flip = ops.cast(ops.logical_and(coin, self._chance(images, "lumaflip", seed_generator)), images.dtype)
            # Householder reflection across the plane orthogonal to the luma axis; on one channel
            # it is a negation, as AugmentPipe's row-averaged matrix is.
            images = images - 2.0 * flip * (_luma(images) if rgb else images)
        if rgb and self.multipliers["hue"]:
            angle = transforms.per_example_uniform(images, seed_generator, -1.0, 1.0) * math.pi * ranges["hue_max"]
            angle = ops.where(self._chance(images, "hue", seed_generator), angle, 0.0)
            images = _rotate_around_luma(images, angle)
        if rgb and self.multipliers["saturation"]:
            scale = ops.power(2.0, transforms.per_example_normal(images, seed_generator, ranges["saturation_std"]))
            scale = ops.where(self._chance(images, "saturation", seed_generator), scale, 1.0)
            # Written as a change of x, so that scale = 1 returns x bit for bit.
            images = images + (images - _luma(images)) * (scale - 1.0)
        return images

    def observe(self, real_logits):
        if self.target is None:
            return None
        # `.value` reads the variables as tensors (on JAX, the step's explicit state).
        p, rt, sign_sum, observed = (v.value for v in self.variables)
        logits = ops.cast(real_logits, "float32")
        sign_sum = sign_sum + ops.mean(ops.sign(logits))
        observed = observed + 1.0
        due = observed >= self.interval
        mean_sign = sign_sum / observed
        images = ops.cast(ops.shape(logits)[0], "float32") * self.interval
        adjusted = ops.clip(p + ops.sign(mean_sign - self.target) * images / (self.adjust_kimg * 1000.0), 0.0, 1.0)
        self.p.assign(ops.where(due, adjusted, p))
        self.rt.assign(ops.where(due, mean_sign, rt))
        self._sign_sum.assign(ops.where(due, 0.0, sign_sum))
        self._observed.assign(ops.where(due, 0.0, observed))
        return None

    def logs(self):
        return {"augment_p": self.p.value, "augment_rt": self.rt.value}

    def get_config(self):
        return {"p": self.initial_p, "target": self.target, "interval": self.interval,
                "adjust_kimg": self.adjust_kimg, **self.multipliers, **self.ranges}


def _luma(images):
    """Projection of each RGB pixel on the luma axis v: its channel mean (it broadcasts)."""
    return ops.mean(images, axis=-1, keepdims=True)


def _rotate_around_luma(images, angle):
    """Rodrigues' rotation of each RGB pixel x by `angle` around the unit luma axis v:
    `x cos + (v x x) sin + v (v . x) (1 - cos)`."""
    r, g, b = images[..., 0], images[..., 1], images[..., 2]
    cross = _LUMA * ops.stack([b - g, r - b, g - r], axis=-1)
    cos, sin = ops.cos(angle), ops.sin(angle)
    return images * cos + cross * sin + _luma(images) * (1.0 - cos)


def _check_number(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not low <= value <= high:
        raise ConfigError(f"ada: {name} must be a number in [{low}, {high}]; got {value!r}.")
