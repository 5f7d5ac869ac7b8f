"""Transformer decoder over the fused tokens of the T frames, then an upsampling image head.

Each layer (pre-norm, as in ViViT's factorised encoder, Arnab et al. 2021) attends
spatially within a frame, temporally across the T frames at each location, and crosses to the
painting tokens; temporal attention is what keeps the sequence stable. Cost is linear in T for the
spatial and cross parts and quadratic only in T (small) for the temporal part. In pixels, spatial
attention is exact up to ``max_tokens`` tokens per frame; above that its keys and values are
average-pooled to at most ``max_tokens`` (spatial-reduction attention, as in PVT, Wang et al. 2021),
so cost grows linearly with the number of pixels instead of quadratically. The painting tokens the
cross-attention sees are bounded the same way by the renderer (:func:`camfuse.models.inputs.painting_size`).

``ConvDecoder`` is the ablation (-Transformer decoder): the same budget of per-frame residual convs,
no temporal or cross attention.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from einops import rearrange
from torch import nn

from .layout import conv_cat


class Attention(nn.Module):
    def __init__(self, *, width: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.kv = nn.Linear(width, 2 * width)
        self.out = nn.Linear(width, width)
        self.dropout = dropout

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        context = x if context is None else context
        q = rearrange(self.q(x), "b n (g e) -> b g n e", g=self.heads)
        k, v = rearrange(self.kv(context), "b m (two g e) -> two b g m e", two=2, g=self.heads)
        p = self.dropout if self.training else 0.0
        y = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
        return self.out(rearrange(y, "b g n e -> b n (g e)"))


def pooled_keys(y: torch.Tensor, h: int, w: int, max_tokens: int) -> torch.Tensor:
    """(N, h*w, d) tokens -> (N, <= max_tokens, d) keys: unchanged when they fit, else average-
    pooled over s x s blocks with the smallest s that fits (ceil mode: edges pooled too)."""
    if h * w <= max_tokens:
        return y
    s = math.ceil(math.sqrt(h * w / max_tokens))
    while math.ceil(h / s) * math.ceil(w / s) > max_tokens:
        s += 1
    grid = rearrange(y, "n (h w) d -> n d h w", h=h)
    grid = F.avg_pool2d(grid, s, ceil_mode=True, count_include_pad=False)
    return rearrange(grid, "n d h w -> n (h w) d")


class DecoderLayer(nn.Module):
    def __init__(
        self, *, width: int, heads: int, mlp_ratio: float, dropout: float, max_tokens: int = 1024
    ) -> None:
        super().__init__()
        self.max_tokens = max_tokens
        self.norms = nn.ModuleList(nn.LayerNorm(width) for _ in range(4))
        self.spatial = Attention(width=width, heads=heads, dropout=dropout)
        self.temporal = Attention(width=width, heads=heads, dropout=dropout)
        self.cross = Attention(width=width, heads=heads, dropout=dropout)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))

    def forward(self, x: torch.Tensor, painting: torch.Tensor, h: int, w: int) -> torch.Tensor:
        b, t, n, d = x.shape  # painting: (B, M, d); n = h * w
        y = rearrange(x, "b t n d -> (b t) n d")  # spatial: tokens of one frame
        q = self.norms[0](y)
        y = y + self.spatial(q, pooled_keys(q, h, w, self.max_tokens))
        y = rearrange(y, "(b t) n d -> (b n) t d", b=b)  # temporal: one location over time
        y = y + self.temporal(self.norms[1](y))
        y = rearrange(y, "(b n) t d -> b (t n) d", b=b)  # cross: every token sees the painting
        y = y + self.cross(self.norms[2](y), painting)
        y = y + self.mlp(self.norms[3](y))
        return rearrange(y, "b (t n) d -> b t n d", t=t)


class TransformerDecoder(nn.Module):
    def __init__(
        self,
        *,
        width: int,
        heads: int,
        layers: int,
        mlp_ratio: float,
        dropout: float,
        max_frames: int,
        max_tokens: int = 1024,
    ) -> None:
        super().__init__()
        self.time = nn.Parameter(torch.zeros(max_frames, width))
        self.keyframe = nn.Parameter(torch.zeros(width))  # marks the frame the painting paints over
        nn.init.trunc_normal_(self.time, std=0.02)
        self.layers = nn.ModuleList(
            DecoderLayer(
                width=width,
                heads=heads,
                mlp_ratio=mlp_ratio,
                dropout=dropout,
                max_tokens=max_tokens,
            )
            for _ in range(layers)
        )
        self.norm = nn.LayerNorm(width)

    def forward(
        self, x: torch.Tensor, painting: torch.Tensor, keyframe: torch.Tensor
    ) -> torch.Tensor:
        """x: (B, T, d, h, w) fused maps; painting: (B, M, d) tokens; keyframe: (B,) index or -1."""
        b, t, d, h, w = x.shape
        if t > self.time.shape[0]:
            raise ValueError(f"window of {t} frames exceeds model.max_frames={self.time.shape[0]}")
        is_key = (torch.arange(t, device=x.device)[None] == keyframe[:, None]).to(x.dtype)  # (B, T)
        tokens = rearrange(x, "b t d h w -> b t (h w) d")
        tokens = tokens + self.time[:t, None, :] + is_key[:, :, None, None] * self.keyframe
        for layer in self.layers:
            tokens = layer(tokens, painting, h, w)
        return rearrange(self.norm(tokens), "b t (h w) d -> b t d h w", h=h)


class ConvDecoder(nn.Module):
    """Ablation: per-frame residual convolutions in place of the Transformer."""

    def __init__(self, *, width: int, layers: int, **_: object) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(
            nn.Sequential(
                nn.Conv2d(width, width, 3, padding=1),
                nn.GroupNorm(8 if width % 8 == 0 else 1, width),
                nn.GELU(),
                nn.Conv2d(width, width, 3, padding=1),
            )
            for _ in range(2 * layers)
        )

    def forward(
        self, x: torch.Tensor, painting: torch.Tensor, keyframe: torch.Tensor
    ) -> torch.Tensor:
        b = x.shape[0]
        y = rearrange(x, "b t d h w -> (b t) d h w")
        for block in self.blocks:
            y = y + block(y)
        return rearrange(y, "(b t) d h w -> b t d h w", b=b)


class UpsampleHead(nn.Module):
    """Stride 16 -> 1 with skips from the fused stride-8 and stride-4 maps and the footage RGB.

    Channels shrink as resolution grows (d, d/2, d/4, 16) and each block starts with a 1x1
    reduction, so the full-resolution part costs a few thousand MACs per pixel: most of the FLOPs
    stay in the encoder, as they should for a renderer whose floor is the backbone.
    """

    def __init__(
        self, *, width: int, painting_rgb: bool = False, guide: int = 0, out: int = 3
    ) -> None:
        super().__init__()
        w8, w4, w2, w1 = width, max(16, width // 2), max(16, width // 4), 16

        def block(cin: int, cout: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(cin, cout, 1), nn.GELU(), nn.Conv2d(cout, cout, 3, padding=1), nn.GELU()
            )

        self.to8 = block(width + width, w8)  # upsampled tokens + fused stride-8 skip
        self.to4 = block(w8 + width, w4)  # + fused stride-4 skip
        self.to2 = block(w4, w2)
        # full resolution + footage RGB for crisp structure (+ painting colours retrieved per pixel)
        # (+ the painting-sampling guide images, camfuse.guide)
        self.to1 = block(w2 + (6 if painting_rgb else 3) + guide, w1)
        self.rgb = nn.Conv2d(w1, out, 1)
        if guide:  # start from the guide's own answer (models/sampling.py): zero residual
            nn.init.zeros_(self.rgb.weight)
            nn.init.zeros_(self.rgb.bias)

    def forward(
        self,
        x16: torch.Tensor,
        skip8: torch.Tensor,
        skip4: torch.Tensor,
        rgb: torch.Tensor,
        pixels: torch.Tensor | None = None,
        guide: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """All inputs (N, C, h, w) with N = B*T; returns (N, out, H, W) logits (no activation)."""
        rgb = [x for x in (rgb, pixels, guide) if x is not None]
        like = self.to1[2].weight  # a 3x3 kernel: channels-last after prepare_for_inference
        x = self.to8(conv_cat([_up(x16, skip8.shape[-2:]), skip8], like))
        x = self.to4(conv_cat([_up(x, skip4.shape[-2:]), skip4], like))
        x = self.to2(_up(x, (rgb[0].shape[-2] // 2, rgb[0].shape[-1] // 2)))
        x = self.to1(conv_cat([_up(x, rgb[0].shape[-2:]), *rgb], like))
        return self.rgb(x)


def _up(x: torch.Tensor, size) -> torch.Tensor:
    return F.interpolate(x, size=tuple(size), mode="bilinear", align_corners=False)


DECODERS: dict[str, type[nn.Module]] = {"transformer": TransformerDecoder, "conv": ConvDecoder}
