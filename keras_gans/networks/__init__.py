"""Generator and discriminator families, looked up by the names recipes use."""

from keras_gans.errors import ConfigError, check_choice
from keras_gans.networks.dcgan import DCGANDiscriminator, DCGANGenerator
from keras_gans.networks.mlp import MLPDiscriminator, MLPGenerator

NETWORK_FAMILIES = ("dcgan", "mlp")


def build_networks(config, image_shape, num_classes=None):
    """Builds (generator, discriminator) for a GANConfig, the data's image shape and classes.

    Unconditional families ignore `num_classes`.
    """
    family = check_choice("network family", config.networks, NETWORK_FAMILIES, ConfigError)
    if family == "mlp":
        generator = MLPGenerator(config.latent_dim, image_shape, units=config.generator_units)
        discriminator = MLPDiscriminator(
            units=config.discriminator_units, dropout=config.dropout, spectral_norm=config.spectral_norm
        )
    else:
        generator = DCGANGenerator(
            config.latent_dim, image_shape, width=config.generator_width, norm=config.generator_norm
        )
        discriminator = DCGANDiscriminator(
            image_shape,
            width=config.discriminator_width,
            norm=config.discriminator_norm,
            spectral_norm=config.spectral_norm,
        )
    return generator, discriminator


__all__ = [
    "DCGANDiscriminator",
    "DCGANGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
    "NETWORK_FAMILIES",
    "build_networks",
]
