"""Generator and discriminator families, looked up by the names recipes use."""

from keras_gans.networks.cycle import CycleGenerators, DomainDiscriminators
from keras_gans.networks.dcgan import DCGANDiscriminator, DCGANGenerator
from keras_gans.networks.factory import NETWORK_FAMILIES, build_networks, code_width
from keras_gans.networks.heads import CLASS_HEADS, DiscriminatorHeads
from keras_gans.networks.mlp import MLPDiscriminator, MLPGenerator
from keras_gans.networks.patchgan import PatchGANDiscriminator
from keras_gans.networks.r3gan import R3GANDiscriminator, R3GANGenerator
from keras_gans.networks.resnet import ResNetGenerator
from keras_gans.networks.unet import UNetGenerator

__all__ = [
    "CLASS_HEADS",
    "CycleGenerators",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "DiscriminatorHeads",
    "DomainDiscriminators",
    "MLPDiscriminator",
    "MLPGenerator",
    "NETWORK_FAMILIES",
    "PatchGANDiscriminator",
    "R3GANDiscriminator",
    "R3GANGenerator",
    "ResNetGenerator",
    "UNetGenerator",
    "build_networks",
    "code_width",
]
