"""The shot painter: a small image-to-image network that learns one shot's paint from its keyframe.

Texler et al., SIGGRAPH 2020, "Interactive Video Stylization Using Few-Shot Patch-Based Training":
a small U-Net trained on patches of the painted keyframe and its footage frame learns the artist's
mapping from footage to paint, and, being local, applies it to content the keyframe never showed.
Ours starts from the shot's quadratic colour map (:class:`camfuse.guide.track.ColourMap`) and
learns a residual on top of it, so an untrained painter is exactly the colour map and training only
adds what the colour map cannot express: the marks (strokes, edges, texture) of this painting.

In the render it replaces the colour map as the painting-sampling path's fallback paint (the
"recoloured" guide), i.e. it paints every pixel the track cannot carry.

Caveat: it sees one painted frame. Content far from anything in the keyframe (a colour or texture
it never saw painted) gets the colour map's answer plus whatever the nearest learned marks suggest.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

WIDTHS = (24, 48, 72)  # channels at strides 1, 2, 4: ~0.2 M parameters, a few GFLOPs at 256 px


def _block(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, padding_mode="reflect"),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, padding_mode="reflect"),
        nn.LeakyReLU(0.2, inplace=True),
    )


class ShotPainter(nn.Module):
    """(footage, colour-mapped footage) (B, 3, H, W) each -> paint (B, 3, H, W) in [0, 1].

    The last layer starts at zero: the output is the colour map until trained. In training mode
    the output is not clamped (the loss keeps it in range)."""

    def __init__(self, *, widths: tuple[int, int, int] = WIDTHS) -> None:
        super().__init__()
        a, b, c = widths
        self.enc1 = _block(6, a)
        self.enc2 = _block(a, b, stride=2)
        self.enc3 = _block(b, c, stride=2)
        self.dec2 = _block(c + b, b)
        self.dec1 = _block(b + a, a)
        self.out = nn.Conv2d(a, 3, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, frame: torch.Tensor, mapped: torch.Tensor) -> torch.Tensor:
        x1 = self.enc1(torch.cat([frame, mapped], dim=1))  # (B, a, H, W)
        x2 = self.enc2(x1)  # (B, b, H/2, W/2)
        x3 = self.enc3(x2)  # (B, c, H/4, W/4)
        up = lambda x, ref: F.interpolate(x, size=ref.shape[-2:], mode="bilinear")  # noqa: E731
        y2 = self.dec2(torch.cat([up(x3, x2), x2], dim=1))
        y1 = self.dec1(torch.cat([up(y2, x1), x1], dim=1))
        y = mapped + self.out(y1)
        return y if self.training else y.clamp(0, 1)  # a clamp in training would stall gradients


__all__ = ["WIDTHS", "ShotPainter"]
