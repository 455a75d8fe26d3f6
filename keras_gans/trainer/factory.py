"""`build_trainer`: a config and its two networks -> the (uncompiled) adversarial model.

This is where a recipe's conditional and image-to-image fields become a `Conditioning` and
`AuxiliaryTerm`s; the train step itself never reads the config.
"""

from __future__ import annotations

from keras_gans.augment import get_augmentation
from keras_gans.errors import ConfigError
from keras_gans.regularizers import get_regularizer
from keras_gans.regularizers.gamma import resolve_gamma
from keras_gans.trainer.conditioning import (
    ClassLabels,
    LatentCodes,
    PairedImages,
    Unconditional,
    UnpairedImages,
)
from keras_gans.trainer.gan import GAN
from keras_gans.trainer.terms import (
    AuxiliaryClassifierLoss,
    CycleConsistency,
    FeatureMatching,
    IdentityMapping,
    MutualInformation,
    Reconstruction,
)


def _setting(config, name, default):
    # Configs from before these fields existed still build an unconditional GAN.
    return getattr(config, name, default)


def build_conditioning(config, image_shape, num_classes=None):
    """The `Conditioning` a config's `conditioning` field names, for data of `image_shape`."""
    kind = _setting(config, "conditioning", "none")
    image_shape = tuple(int(d) for d in image_shape)
    source_shape = (*image_shape[:2], _setting(config, "source_channels", None) or image_shape[-1])
    if kind == "class":
        if num_classes is None:
            raise ConfigError("conditioning=class needs a dataset with labels; this one has none.")
        return ClassLabels(config.latent_dim, num_classes, project=config.class_head == "projection")
    if kind == "codes":
        return LatentCodes(config.latent_dim, config.categorical_codes, config.continuous_codes)
    if kind == "paired":
        return PairedImages(source_shape)
    if kind == "unpaired":
        return UnpairedImages(source_shape, image_shape)
    return Unconditional(config.latent_dim)


def build_terms(config, image_shape):
    """The auxiliary terms a config switches on, each with its weight."""
    terms = []
    if _setting(config, "conditioning", "none") == "class" and config.class_head == "auxiliary":
        terms.append(AuxiliaryClassifierLoss(config.class_loss_weight))
    if _setting(config, "conditioning", "none") == "codes":
        terms.append(MutualInformation(config.info_weight, config.categorical_codes, config.continuous_codes))
    if _setting(config, "reconstruction_weight", 0.0):
        terms.append(Reconstruction(config.reconstruction_weight))
    if _setting(config, "cycle_weight", 0.0):
        terms.append(CycleConsistency(config.cycle_weight))
    if _setting(config, "identity_weight", 0.0):
        if (config.source_channels or image_shape[-1]) != image_shape[-1]:
            raise ConfigError("identity_weight feeds each domain to the other's generator; both domains "
                              f"need the same channels, got {config.source_channels} and {image_shape[-1]}.")
        terms.append(IdentityMapping(config.identity_weight))
    if _setting(config, "feature_matching", 0.0):
        terms.append(FeatureMatching(config.feature_matching))
    return terms


def build_trainer(config, generator, discriminator, image_shape, num_classes=None) -> GAN:
    """The uncompiled `GAN` a config describes, around networks from `build_networks`.

    Example:
        >>> generator, discriminator = build_networks(config, image_shape, num_classes)
        >>> model = build_trainer(config, generator, discriminator, image_shape, num_classes)
        >>> model.compile(g_optimizer=..., d_optimizer=...)
    """
    regularizers = [get_regularizer(name, **resolve_gamma(args, image_shape, config.batch_size))
                    for name, args in config.regularizers.items()]
    return GAN(
        generator,
        discriminator,
        latent_dim=config.latent_dim,
        objective=config.objective,
        regularizers=regularizers,
        terms=build_terms(config, tuple(image_shape)),
        conditioning=build_conditioning(config, image_shape, num_classes),
        history_size=_setting(config, "history_size", 0),
        d_steps=config.d_steps,
        label_smoothing=config.label_smoothing,
        label_flip=config.label_flip,
        instance_noise=config.instance_noise,
        instance_noise_steps=config.instance_noise_steps or config.steps,
        ema_decay=config.ema_decay,
        log_every=config.log_every,
        seed=config.seed,
        **build_quality_settings(config),
    )


def build_quality_settings(config) -> dict:
    """The augmentation and EMA half-life arguments of `GAN` a config switches on (issue 12).

    Only what is switched on is passed, so a config without these fields builds the same GAN.
    """
    settings = {}
    augment = _setting(config, "augment", "none")
    if augment != "none":
        settings["augment"] = get_augmentation(augment, **(_setting(config, "augment_options", None) or {}))
    if _setting(config, "ema_kimg", None) is not None:
        settings.update(ema_kimg=config.ema_kimg, ema_rampup=config.ema_rampup, batch_size=config.batch_size)
    return settings
