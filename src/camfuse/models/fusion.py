"""Cross-modal channel attention and dynamic modality-weight allocation (the paper's fusion).

Cross-modal channel attention: each path's channels are re-weighted from *both* paths' global
descriptors, so the footage path can suppress channels the painting makes irrelevant and vice
versa (an SE block whose squeeze sees both modalities).

Dynamic modality weighting: a gate alpha in [0, 1] mixes footage features F and retrieved painting
features R as ``(1 - alpha) * F + alpha * R``. alpha is predicted per channel from the two
descriptors, the painting role and the user's strength, and (optionally) refined per pixel from the
local features, then multiplied by the strength so that strength 0 means "footage only". The
``static`` mode is the ablation: alpha = 0.5 * strength everywhere (fixed equal weights).
``concat`` is the paper-style *baseline model's* fusion: the two paths are concatenated and mixed by
a learned 1x1 convolution, the same for every input (static weights, learned once); strength scales
the painting path before the mix, and the reported alpha is the nominal 0.5 * strength.
"""

from __future__ import annotations

import torch
from torch import nn

from .layout import conv_cat

WEIGHTINGS = ("dynamic", "static", "concat")


class CrossModalChannelAttention(nn.Module):
    def __init__(self, *, width: int, reduction: int = 8) -> None:
        super().__init__()
        hidden = max(8, 2 * width // reduction)
        self.mlp = nn.Sequential(
            nn.Linear(2 * width, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, 2 * width)
        )

    def forward(
        self, g_footage: torch.Tensor, g_painting: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Descriptors (B, d) each -> channel weights (B, d) for the footage and painting paths."""
        w = torch.sigmoid(self.mlp(torch.cat([g_footage, g_painting], dim=1)))
        return w.chunk(2, dim=1)


class ModalityWeighting(nn.Module):
    def __init__(self, *, width: int, mode: str = "dynamic", pixel_gates: bool = True) -> None:
        super().__init__()
        if mode not in WEIGHTINGS:
            raise ValueError(f"unknown weighting {mode!r}; choose one of {', '.join(WEIGHTINGS)}")
        self.mode = mode
        if mode == "dynamic":
            self.role = nn.Embedding(2, width)
            self.channel = nn.Sequential(
                nn.Linear(3 * width + 1, width), nn.SiLU(), nn.Linear(width, width)
            )
            self.pixel = nn.Conv2d(2 * width, 1, kernel_size=3, padding=1) if pixel_gates else None
        elif mode == "concat":
            self.mix = nn.Conv2d(2 * width, width, kernel_size=1)

    def forward(
        self,
        footage: torch.Tensor,  # (N, d, h, w), N = B*T
        retrieved: torch.Tensor,  # (N, d, h, w)
        g_footage: torch.Tensor,  # (N, d)
        g_painting: torch.Tensor,  # (N, d)
        role: torch.Tensor,  # (N,)
        strength: torch.Tensor,  # (N,)
    ) -> tuple[torch.Tensor, torch.Tensor]:
        s = strength[:, None, None, None]
        if self.mode != "dynamic":
            alpha = torch.full_like(footage[:, :1], 0.5) * s
            if self.mode == "concat":
                return self.mix(torch.cat([footage, retrieved * s], dim=1)), alpha
        else:
            cond = torch.cat([g_footage, g_painting, self.role(role), strength[:, None]], dim=1)
            logits = self.channel(cond)[:, :, None, None]  # (N, d, 1, 1)
            if self.pixel is not None:
                logits = logits + self.pixel(conv_cat([footage, retrieved], self.pixel.weight))
            alpha = torch.sigmoid(logits) * s
        return (1 - alpha) * footage + alpha * retrieved, alpha
