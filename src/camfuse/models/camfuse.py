"""CamFuse: the paper's model assembled.

    painting ──ResNet──CAM──proj──┐                         ┌─ cross-attn (painting tokens)
                                   ├─ correspondence ─ R ─┐  │
    footage  ──ResNet──CAM──proj── F ────────────────────┴─ cross-modal channel attention
                                                           ─ dynamic modality weights
                                                           ─ Transformer decoder (space, time, cross)
                                                           ─ upsampling head (skips) -> frames

``forward`` returns a :class:`CamFuseOutput`, never a loss (losses live in ``camfuse.losses``).
The painting is encoded once per clip: pass ``painting_features=model.encode_painting(p)`` to reuse.
"""

from __future__ import annotations

import torch
from einops import rearrange
from torch import nn

from ..config import ModelConfig
from .attention import create_attn
from .correspondence import Correspondence
from .decoder import DECODERS, UpsampleHead
from .encoder import DualPathEncoder
from .fusion import CrossModalChannelAttention, ModalityWeighting
from .interface import GUIDE_CHANNELS, CamFuseOutput, PaintingFeatures, check_guide
from .sampling import blend


class CamFuse(nn.Module):
    """The paper's model with our painting-sampling path, built from one :class:`ModelConfig`.

    Inputs: a painting (B, 3, H, W) and footage (B, T, 3, H, W) in [0, 1], both sides multiples of
    16; ``role`` 0 (keyframe paint-over) or 1 (style reference) per clip; ``strength`` in [0, 1]
    scales the painting's modality weight; ``keyframe`` is the index of the painted frame within
    the window (-1: none). Returns a :class:`CamFuseOutput`. Every paper component is switchable
    from the config (``attention``, ``cross_modal_attention``, ``weighting``, ``decoder``) for the
    ablations. Caveat: trained from random trunks on procedural painters (docs/model-card.md).
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        d = cfg.width
        self.encoder = DualPathEncoder(
            backbone=cfg.backbone, weights=cfg.weights, shared=cfg.shared_backbone
        )
        chans = self.encoder.channels

        def per_scale(make):
            return nn.ModuleList(make(c) for c in chans)

        self.cam_footage = per_scale(
            lambda c: create_attn(cfg.attention, c, reduction=cfg.reduction)
        )
        self.cam_painting = per_scale(
            lambda c: create_attn(cfg.attention, c, reduction=cfg.reduction)
        )
        self.proj_footage = per_scale(lambda c: nn.Conv2d(c, d, 1))
        self.proj_painting = per_scale(lambda c: nn.Conv2d(c, d, 1))
        self.correspondence = Correspondence(width=d, heads=cfg.heads)
        self.cross_modal = (
            per_scale(lambda c: CrossModalChannelAttention(width=d, reduction=cfg.reduction))
            if cfg.cross_modal_attention
            else None
        )
        self.weighting = per_scale(
            lambda c: ModalityWeighting(width=d, mode=cfg.weighting, pixel_gates=cfg.pixel_gates)
        )
        if cfg.decoder not in DECODERS:
            raise ValueError(
                f"unknown decoder {cfg.decoder!r}; choose one of {', '.join(DECODERS)}"
            )
        self.decoder = DECODERS[cfg.decoder](
            width=d,
            heads=cfg.heads,
            layers=cfg.decoder_layers,
            mlp_ratio=cfg.mlp_ratio,
            dropout=cfg.dropout,
            max_frames=cfg.max_frames,
            max_tokens=cfg.max_tokens,
        )
        self.head = UpsampleHead(
            width=d,
            painting_rgb=cfg.painting_rgb,
            guide=GUIDE_CHANNELS if cfg.sampling else 0,
            out=4 if cfg.sampling else 3,
        )

    def encode_painting(self, painting: torch.Tensor) -> PaintingFeatures:
        """(B, 3, H, W) in [0, 1] -> projected multi-scale painting features."""
        _check_size(painting)
        feats = self.encoder.painting(painting)
        maps = [
            proj(cam(f))
            for f, cam, proj in zip(feats, self.cam_painting, self.proj_painting, strict=False)
        ]
        return PaintingFeatures(maps=maps, pixels=painting)

    def forward(
        self,
        painting: torch.Tensor | None,
        footage: torch.Tensor,
        *,
        role: torch.Tensor,
        strength: torch.Tensor | None = None,
        keyframe: torch.Tensor | None = None,
        painting_features: PaintingFeatures | None = None,
        guide: torch.Tensor | None = None,
    ) -> CamFuseOutput:
        """``guide`` (B, T, 7, H, W) from :func:`camfuse.guide.track.clip_guide`: required when the model
        has the painting-sampling path (``cfg.sampling``), ignored otherwise."""
        b, t = footage.shape[:2]
        check_guide(self.cfg, guide)
        _check_size(footage)
        strength = (
            torch.ones(b, device=footage.device) if strength is None else strength.to(footage.dtype)
        )
        keyframe = (
            torch.full((b,), -1, device=footage.device, dtype=torch.long)
            if keyframe is None
            else keyframe
        )
        keyframe = torch.where(role == 0, keyframe, torch.full_like(keyframe, -1))
        pf = painting_features if painting_features is not None else self.encode_painting(painting)

        frames = rearrange(footage, "b t c h w -> (b t) c h w")  # fold frames into the batch
        fmaps, retrieved, pixels, corr = self._retrieve(frames, pf, role, b)
        fused, alphas, attention = self._fuse(fmaps, retrieved, pf, role, strength, b, t)
        x16 = self.decoder(
            rearrange(fused[-1], "(b t) d h w -> b t d h w", b=b), pf.tokens, keyframe
        )
        g = rearrange(guide, "b t c h w -> (b t) c h w") if self.cfg.sampling else None
        raw = self.head(
            rearrange(x16, "b t d h w -> (b t) d h w"), fused[1], fused[0], frames, pixels, g
        )
        attention = {**attention, **self._cam_weights(), "correspondence": corr}
        if g is None:
            out = torch.sigmoid(raw)
        else:  # tracked: a paint-over of this shot exists (keyframe role, in or out of the window)
            painted = torch.arange(t, device=keyframe.device)[None] == keyframe[:, None]  # (B, T)
            out, alpha = blend(raw, g, (role == 0).repeat_interleave(t, dim=0), painted.flatten())
            attention["sampling"] = rearrange(alpha, "(b t) c h w -> b t c h w", b=b)
        return CamFuseOutput(
            frames=rearrange(out, "(b t) c h w -> b t c h w", b=b),
            modality_weights=rearrange(
                alphas[-1].mean(dim=1, keepdim=True), "(b t) c h w -> b t c h w", b=b
            ),
            attention=attention,
            align={
                "footage": rearrange(fmaps[-1], "(b t) d h w -> b t d h w", b=b),
                "painting": pf.maps[-1],
                "retrieved": rearrange(retrieved[-1], "(b t) d h w -> b t d h w", b=b),
                "keyframe": keyframe,
            },
        )

    def _retrieve(
        self, frames: torch.Tensor, pf: PaintingFeatures, role: torch.Tensor, b: int
    ) -> tuple[list[torch.Tensor], list[torch.Tensor], torch.Tensor | None, torch.Tensor]:
        """Footage path and correspondence: frames (B*T, 3, H, W) -> the footage maps and the
        painting features each footage location retrieves, both at strides 4, 8, 16; the painting's
        own colours per pixel (``painting_rgb``, else None); the correspondence attention."""
        feats = self.encoder.footage(frames)
        fmaps = [
            proj(cam(f))
            for f, cam, proj in zip(feats, self.cam_footage, self.proj_footage, strict=False)
        ]
        values = pf.maps[::-1] + (
            [pf.pixels] if self.cfg.painting_rgb else []
        )  # strides 16, 8, 4 (, 1)
        retrieved, corr = self.correspondence(
            rearrange(fmaps[-1], "(b t) d h w -> b t d h w", b=b), pf.maps[-1], values, role
        )
        retrieved = [rearrange(r, "b t d h w -> (b t) d h w") for r in retrieved]
        pixels = retrieved[3] if self.cfg.painting_rgb else None  # (B*T, 3, H, W) painting colours
        return fmaps, retrieved[2::-1], pixels, corr  # retrieved at strides 4, 8, 16

    def _fuse(
        self,
        fmaps: list[torch.Tensor],
        retrieved: list[torch.Tensor],
        pf: PaintingFeatures,
        role: torch.Tensor,
        strength: torch.Tensor,
        b: int,
        t: int,
    ) -> tuple[list[torch.Tensor], list[torch.Tensor], dict[str, torch.Tensor]]:
        """Per scale: cross-modal channel attention, then the dynamic modality weighting.

        ``fmaps`` / ``retrieved``: footage and retrieved painting maps at strides 4, 8, 16, frames
        folded into the batch (B*T, d, h, w). Returns the fused maps, each scale's painting weight
        alpha and the cross-modal channel weights (for analysis)."""
        rep = lambda x: x.repeat_interleave(t, dim=0)  # noqa: E731  per-clip -> per-frame
        g_p = rep(pf.descriptor)
        g_f = rep(rearrange(fmaps[-1], "(b t) d h w -> b t d h w", b=b).mean(dim=(1, 3, 4)))
        fused, alphas, channel_w = [], [], {}
        for i, (f, r) in enumerate(zip(fmaps, retrieved, strict=False)):
            if self.cross_modal is not None:
                w_f, w_p = self.cross_modal[i](g_f, g_p)
                f, r = f * w_f[:, :, None, None], r * w_p[:, :, None, None]
                channel_w[f"cross_footage_s{4 << i}"], channel_w[f"cross_painting_s{4 << i}"] = (
                    w_f,
                    w_p,
                )
            x, alpha = self.weighting[i](f, r, g_f, g_p, rep(role), rep(strength))
            fused.append(x)
            alphas.append(alpha)
        return fused, alphas, channel_w

    def _cam_weights(self) -> dict[str, torch.Tensor]:
        out = {}
        for path, mods in (("footage", self.cam_footage), ("painting", self.cam_painting)):
            for i, m in enumerate(mods):
                if getattr(m, "last_weights", None) is not None:
                    out[f"cam_{path}_s{4 << i}"] = m.last_weights
        return out


def _check_size(x: torch.Tensor) -> None:
    h, w = x.shape[-2:]
    if h % 16 or w % 16 or h < 32 or w < 32:
        raise ValueError(f"image size {w}x{h} must be a multiple of 16 and at least 32 px per side")
