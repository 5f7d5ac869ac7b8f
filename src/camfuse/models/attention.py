"""Channel attention modules (the paper's CAM) and their registry.

- SE: Hu et al., "Squeeze-and-Excitation Networks", CVPR 2018.
- ECA: Wang et al., "ECA-Net", CVPR 2020 (1-D conv over the channel descriptor, no bottleneck).
- CBAM: Woo et al., "CBAM", ECCV 2018 (channel then spatial attention).

The paper names "channel attention modules that weight feature channels" without fixing the
variant; SE is the default. Each module returns the re-weighted features and exposes the last
channel weights in ``self.last_weights`` (B, C) so the model can report them.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class SqueezeExcite(nn.Module):
    """SE (Hu et al. 2018): global average pool -> bottleneck MLP (C -> C/r -> C) -> sigmoid
    weight per channel. The bottleneck is at least 8 wide so thin maps keep some capacity."""

    def __init__(self, channels: int, *, reduction: int = 16) -> None:
        super().__init__()
        hidden = max(8, channels // reduction)
        self.fc = nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, channels)
        )
        self.last_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = torch.sigmoid(self.fc(x.mean(dim=(2, 3))))  # (B, C)
        self.last_weights = w.detach()
        return x * w[:, :, None, None]


class EfficientChannelAttention(nn.Module):
    """ECA (Wang et al. 2020): a 1-D convolution across the pooled channel descriptor, its kernel
    size adapted to C; no bottleneck. ``reduction`` is accepted (registry signature) and unused."""

    def __init__(
        self, channels: int, *, reduction: int = 16, gamma: int = 2, beta: int = 1
    ) -> None:
        super().__init__()
        k = int(abs((math.log2(channels) + beta) / gamma))
        k = k if k % 2 else k + 1  # odd kernel so the conv is centred on each channel
        self.conv = nn.Conv1d(1, 1, kernel_size=k, padding=k // 2, bias=False)
        self.last_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x.mean(dim=(2, 3))[:, None, :]  # (B, 1, C)
        w = torch.sigmoid(self.conv(y))[:, 0]  # (B, C)
        self.last_weights = w.detach()
        return x * w[:, :, None, None]


class CBAM(nn.Module):
    """CBAM (Woo et al. 2018): channel weights from average- and max-pooled descriptors through a
    shared MLP, then a spatial map from a conv over the channel-wise mean and max. ``last_weights``
    holds the channel part only."""

    def __init__(self, channels: int, *, reduction: int = 16, kernel_size: int = 7) -> None:
        super().__init__()
        hidden = max(8, channels // reduction)
        self.mlp = nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, channels)
        )
        self.spatial = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)
        self.last_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = torch.sigmoid(self.mlp(x.mean(dim=(2, 3))) + self.mlp(x.amax(dim=(2, 3))))
        self.last_weights = w.detach()
        x = x * w[:, :, None, None]
        s = torch.cat([x.mean(dim=1, keepdim=True), x.amax(dim=1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.spatial(s))


class NoAttention(nn.Module):
    """The ablation: features pass unchanged."""

    def __init__(self, channels: int, *, reduction: int = 16) -> None:
        super().__init__()
        self.last_weights: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


ATTENTION: dict[str, type[nn.Module]] = {
    "se": SqueezeExcite,
    "eca": EfficientChannelAttention,
    "cbam": CBAM,
    "none": NoAttention,
}


def create_attn(name: str, channels: int, *, reduction: int = 16) -> nn.Module:
    if name not in ATTENTION:
        raise ValueError(f"unknown attention {name!r}; choose one of {', '.join(ATTENTION)}")
    return ATTENTION[name](channels, reduction=reduction)
