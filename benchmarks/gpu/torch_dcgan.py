"""The PyTorch baseline: our DCGAN networks written in PyTorch, one `torch.compile`d loop.

Layer for layer what `keras_gans.networks.dcgan` builds for the same image shape and widths
(a projection to a 4x4 base, strided 4x4 transposed convolutions with batch norm and ReLU, tanh
out; strided 4x4 convolutions with batch norm after the first, leaky ReLU 0.2, one logit), and the
step our trainer makes for the dcgan recipe: one critic update on real and fresh fakes, one
generator update on fresh fakes, non-saturating loss, Adam(2e-4, 0.5, 0.999). Written the way a
careful PyTorch user would for speed: channels-last tensors, bfloat16 through `torch.autocast`
(float32 weights, as Keras's mixed_bfloat16), fused Adam on CUDA, no weight gradients of the
critic in the generator update.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from keras_gans.networks.dcgan import resolution_plan


def _initialize(module):
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, std=0.02)  # the DCGAN paper's, as dcgan_initializer
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def _batch_norm(channels):
    return nn.BatchNorm2d(channels, momentum=0.1, eps=1e-5)  # Keras momentum 0.9 is torch's 0.1


class Generator(nn.Module):
    def __init__(self, latent_dim, image_shape, width):
        super().__init__()
        base_h, base_w, stages = resolution_plan(image_shape)
        channels = width * 2 ** (stages - 1)
        self.base = (channels, base_h, base_w)
        self.project = nn.Linear(latent_dim, channels * base_h * base_w, bias=False)
        self.project_norm = _batch_norm(channels)
        blocks = []
        for _ in range(stages - 1):
            blocks += [nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1, bias=False),
                       _batch_norm(channels // 2), nn.ReLU()]
            channels //= 2
        blocks += [nn.ConvTranspose2d(channels, image_shape[-1], 4, 2, 1), nn.Tanh()]
        self.body = nn.Sequential(*blocks)
        self.apply(_initialize)

    def forward(self, z):
        x = self.project(z).view(-1, *self.base)
        x = F.relu(self.project_norm(x)).contiguous(memory_format=torch.channels_last)
        return self.body(x)


class Discriminator(nn.Module):
    def __init__(self, image_shape, width):
        super().__init__()
        height, image_width, channels = image_shape
        _, _, stages = resolution_plan(image_shape)
        layers = []
        for index in range(stages):
            out = width * 2**index
            layers.append(nn.Conv2d(channels, out, 4, 2, 1))
            if index > 0:  # the input layer stays unnormalized, as in the paper
                layers.append(_batch_norm(out))
            layers.append(nn.LeakyReLU(0.2))
            channels = out
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(channels * (height >> stages) * (image_width >> stages), 1)
        self.apply(_initialize)

    def forward(self, images):
        return self.head(self.body(images).flatten(1))


def torch_step(batch_size, image_shape, latent_dim, width, bfloat16, device, mode="default"):
    """(step, sync): `step()` trains once on a fixed synthetic batch on `device`; `sync(outputs)`
    waits for the device."""
    generator = Generator(latent_dim, image_shape, width).to(device, memory_format=torch.channels_last)
    discriminator = Discriminator(image_shape, width).to(device, memory_format=torch.channels_last)
    fused = device.type == "cuda"
    g_opt = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7, fused=fused)
    d_opt = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999), eps=1e-7, fused=fused)
    compiled_g, compiled_d = torch.compile(generator, mode=mode), torch.compile(discriminator, mode=mode)
    height, width_px, channels = image_shape
    real = (torch.rand(batch_size, channels, height, width_px, device=device) * 2 - 1).contiguous(
        memory_format=torch.channels_last)

    def autocast():
        return torch.autocast(device.type, dtype=torch.bfloat16, enabled=bfloat16)

    def critic_requires_grad(flag):
        for parameter in discriminator.parameters():
            parameter.requires_grad_(flag)

    def step():
        z = torch.randn(batch_size, latent_dim, device=device)
        with autocast():
            fake = compiled_g(z)
            d_loss = F.softplus(-compiled_d(real)).mean() + F.softplus(compiled_d(fake.detach())).mean()
        d_opt.zero_grad(set_to_none=True)
        d_loss.backward()
        d_opt.step()
        critic_requires_grad(False)
        z = torch.randn(batch_size, latent_dim, device=device)
        with autocast():
            g_loss = F.softplus(-compiled_d(compiled_g(z))).mean()
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        critic_requires_grad(True)
        return d_loss.detach(), g_loss.detach()

    def sync(outputs):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        return [float(value) for value in outputs]

    return step, sync
