"""Painting-to-footage correspondence by attention: each footage location retrieves painting features.

One model serves both painting roles. In the keyframe role the painting is a paint-over of one
footage frame, so positions line up and a positional term in the match helps; in the style role
they don't, and matching must rely on content. A learned per-role scale on the 2-D positional
encoding lets the network choose (role 0 can lean on position, role 1 can switch it off).

Matching happens once, at stride 16, and the same attention weights retrieve the finer painting
features: stride-8 and stride-4 maps are folded space-to-depth into stride-16 tokens (4 and 16
sub-positions), retrieved as one vector, and unfolded again at the footage location. With
``model.painting_rgb`` the painting's own pixels (16x16 per token) are retrieved the same way and
handed to the image head, so paint colours can be copied rather than re-synthesised from features. This is the
attention-warp used in reference-based colourisation (e.g. Zhang et al., "Deep Exemplar-based Video
Colorization", CVPR 2019); its caveat is that sub-token layout is copied, not rotated, so large
rotations between painting and footage blur fine detail.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn


def positional_encoding_2d(h: int, w: int, dim: int, device: torch.device) -> torch.Tensor:
    """Sinusoidal 2-D encoding (h*w, dim): half the channels for y, half for x, in [0, 1] units
    so that it means the same at every resolution."""
    quarter = dim // 4
    freq = torch.exp(
        torch.arange(quarter, device=device) * (-math.log(100.0) / max(quarter - 1, 1))
    )
    ys = torch.linspace(0, 1, h, device=device)[:, None] * freq * 2 * math.pi  # (h, q)
    xs = torch.linspace(0, 1, w, device=device)[:, None] * freq * 2 * math.pi  # (w, q)
    ey = torch.cat([ys.sin(), ys.cos()], dim=1)[:, None, :].expand(h, w, 2 * quarter)
    ex = torch.cat([xs.sin(), xs.cos()], dim=1)[None, :, :].expand(h, w, 2 * quarter)
    pe = torch.cat([ey, ex], dim=2).reshape(h * w, 4 * quarter)
    return F.pad(pe, (0, dim - 4 * quarter))


class Correspondence(nn.Module):
    """Multi-head attention from footage tokens (queries) to painting tokens (keys/values)."""

    def __init__(self, *, width: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm_q = nn.LayerNorm(width)
        self.norm_k = nn.LayerNorm(width)
        self.to_q = nn.Linear(width, width, bias=False)
        self.to_k = nn.Linear(width, width, bias=False)
        self.pos_scale = nn.Embedding(2, 1)  # per role: how much position counts in the match
        nn.init.constant_(self.pos_scale.weight, 1.0)

    def forward(
        self,
        footage: torch.Tensor,  # (B, T, d, h, w) stride-16 footage features
        painting: torch.Tensor,  # (B, d, hp, wp) stride-16 painting features
        values: list[torch.Tensor],  # painting maps at strides 16, 8, 4: (B, d, hp*r, wp*r)
        role: torch.Tensor,  # (B,) long
    ) -> tuple[list[torch.Tensor], torch.Tensor]:
        b, t, d, h, w = footage.shape
        hp, wp = painting.shape[-2:]
        scale = self.pos_scale(role)[:, :, None]  # (B, 1, 1)
        q = self.norm_q(rearrange(footage, "b t d h w -> b (t h w) d"))
        q = q + scale * positional_encoding_2d(h, w, d, q.device).repeat(t, 1)
        k = self.norm_k(rearrange(painting, "b d h w -> b (h w) d"))
        k = k + scale * positional_encoding_2d(hp, wp, d, k.device)
        q = rearrange(self.to_q(q), "b n (g e) -> b g n e", g=self.heads)
        k = rearrange(self.to_k(k), "b m (g e) -> b g m e", g=self.heads)
        attn = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]), dim=-1)
        attn = attn.mean(dim=1)  # (B, T*h*w, hp*wp): heads vote on one match per location
        retrieved = []
        for v in values:
            r = v.shape[-1] // wp  # sub-positions per token side (1, 2 or 4)
            tok = rearrange(v, "b d (h r1) (w r2) -> b (h w) (r1 r2 d)", r1=r, r2=r)
            out = attn @ tok  # (B, T*h*w, r*r*d)
            retrieved.append(
                rearrange(out, "b (t h w) (r1 r2 d) -> b t d (h r1) (w r2)", t=t, h=h, r1=r, r2=r)
            )
        return retrieved, attn
