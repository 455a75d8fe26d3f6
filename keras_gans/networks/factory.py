"""`build_networks`: a config, the data's image shape and classes -> (generator, discriminator).

Only what a config says about the networks is read here; how they are trained (which conditioning
feeds them, which extra losses) is `keras_gans.trainer.build_trainer`'s part.
"""

from __future__ import annotations

from keras_gans.errors import ConfigError, check_choice
from keras_gans.networks.cycle import CycleGenerators, DomainDiscriminators
from keras_gans.networks.dcgan import DCGANDiscriminator, DCGANGenerator
from keras_gans.networks.mlp import MLPDiscriminator, MLPGenerator
from keras_gans.networks.patchgan import PatchGANDiscriminator
from keras_gans.networks.r3gan import R3GANDiscriminator, R3GANGenerator
from keras_gans.networks.resnet import ResNetGenerator
from keras_gans.networks.unet import UNetGenerator

NETWORK_FAMILIES = ("dcgan", "mlp", "unet", "resnet", "r3gan")
IMAGE_TO_IMAGE_FAMILIES = {"unet": UNetGenerator, "resnet": ResNetGenerator}


def _setting(config, name, default):
    # Configs written before the conditional fields existed (or duck-typed ones) still build.
    return getattr(config, name, default)


def code_width(config):
    """Width of InfoGAN's codes: one-hot categorical codes plus continuous ones."""
    return sum(_setting(config, "categorical_codes", ())) + _setting(config, "continuous_codes", 0)


def build_networks(config, image_shape, num_classes=None):
    """Builds (generator, discriminator) for a GANConfig, the data's image shape and classes.

    Unconditional families ignore `num_classes`; `conditioning: class` needs it.
    """
    family = check_choice("network family", config.networks, NETWORK_FAMILIES, ConfigError)
    conditioning = _setting(config, "conditioning", "none")
    if family == "mlp":
        generator = MLPGenerator(config.latent_dim, image_shape, units=config.generator_units,
                                norm=config.generator_norm)
        discriminator = MLPDiscriminator(
            units=config.discriminator_units, dropout=config.dropout, spectral_norm=config.spectral_norm,
            maxout_pieces=config.maxout_pieces,
        )
        return generator, discriminator
    if family == "dcgan":
        return _dcgan(config, image_shape, num_classes if conditioning == "class" else None)
    if family == "r3gan":
        return _r3gan(config, image_shape)
    return _image_to_image(config, image_shape)


def _dcgan(config, image_shape, num_classes):
    if _setting(config, "conditioning", "none") == "class" and num_classes is None:
        raise ConfigError(
            "conditioning=class needs a dataset with labels (fashion_mnist, mnist, cifar10, a "
            "folder of class sub-folders or an (images, labels) tuple); this one has none."
        )
    codes = code_width(config)
    attention = _setting(config, "attention_resolution", None)
    generator = DCGANGenerator(
        config.latent_dim + codes,
        image_shape,
        width=config.generator_width,
        norm=config.generator_norm,
        num_classes=num_classes,
        spectral_norm=_setting(config, "generator_spectral_norm", False),
        attention_resolution=attention,
    )
    discriminator = DCGANDiscriminator(
        image_shape,
        width=config.discriminator_width,
        norm=config.discriminator_norm,
        spectral_norm=config.spectral_norm,
        num_classes=num_classes,
        class_head=_setting(config, "class_head", "projection") if num_classes else "none",
        code_outputs=codes,
        minibatch_kernels=_setting(config, "minibatch_discrimination", 0),
        return_features=_setting(config, "feature_matching", 0.0) > 0,
        attention_resolution=attention,
    )
    return generator, discriminator


def _r3gan(config, image_shape):
    blocks = _setting(config, "blocks_per_stage", 2)
    generator = R3GANGenerator(config.latent_dim, image_shape, width=config.generator_width, blocks_per_stage=blocks)
    discriminator = R3GANDiscriminator(image_shape, width=config.discriminator_width, blocks_per_stage=blocks)
    return generator, discriminator


def _image_to_image(config, image_shape):
    image_shape = tuple(int(d) for d in image_shape)
    source_shape = (*image_shape[:2], _setting(config, "source_channels", None) or image_shape[-1])
    family = IMAGE_TO_IMAGE_FAMILIES[config.networks]

    def generator(target_shape, source_channels):
        options = {"blocks": config.generator_blocks} if family is ResNetGenerator else {
            "dropout": config.generator_dropout}
        return family(target_shape, source_channels, width=config.generator_width,
                      norm=config.generator_norm, **options)

    def discriminator():
        return PatchGANDiscriminator(
            width=config.discriminator_width,
            strided_layers=config.patch_layers,
            norm=config.discriminator_norm,
            spectral_norm=config.spectral_norm,
            return_features=config.feature_matching > 0,
        )

    if config.conditioning == "unpaired":
        generators = CycleGenerators(generator(image_shape, source_shape[-1]),
                                     generator(source_shape, image_shape[-1]))
        return generators, DomainDiscriminators(discriminator(), discriminator())
    if config.conditioning != "paired":
        raise ConfigError(
            f"networks={config.networks!r} translates images: set conditioning=paired (pix2pix) "
            f"or conditioning=unpaired (CycleGAN); got conditioning={config.conditioning!r}."
        )
    return generator(image_shape, source_shape[-1]), discriminator()
