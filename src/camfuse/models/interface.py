"""What a painting model is to the code that runs it: typed inputs/outputs and one call signature.

:class:`~camfuse.models.camfuse.CamFuse` (PyTorch) and :class:`camfuse.onnx.runner.OnnxModel`
(onnxruntime) both satisfy :class:`PaintingModel`, so the renderer
(:func:`camfuse.render.stylise`) takes either. Typed outputs follow diffusers' ``BaseOutput``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import torch
from einops import rearrange

from ..config import ModelConfig

GUIDE_CHANNELS = 7  # camfuse.guide.track.CHANNELS (models/ does not import the guide's OpenCV code)


@dataclass
class PaintingFeatures:
    maps: list[torch.Tensor]  # projected painting maps at strides 4, 8, 16: (B, d, h, w)
    pixels: torch.Tensor  # the painting itself (B, 3, H, W), retrieved per pixel for the head

    @property
    def descriptor(self) -> torch.Tensor:  # (B, d) global painting descriptor
        return self.maps[-1].mean(dim=(2, 3))

    @property
    def tokens(self) -> torch.Tensor:  # (B, M, d) stride-16 painting tokens
        return rearrange(self.maps[-1], "b d h w -> b (h w) d")


@dataclass
class CamFuseOutput:
    frames: torch.Tensor  # (B, T, 3, H, W) in [0, 1] (sampling path: may overshoot; clamp to show)
    modality_weights: (
        torch.Tensor
    )  # (B, T, 1, h, w) channel-mean painting weight alpha at stride 16
    attention: dict[str, torch.Tensor] = field(
        default_factory=dict
    )  # channel weights, correspondence
    align: dict[str, torch.Tensor] = field(default_factory=dict)  # features for the alignment loss


class PaintingModel(Protocol):
    """The inference interface the renderer uses (see the module docstring)."""

    cfg: ModelConfig

    def encode_painting(self, painting: torch.Tensor) -> PaintingFeatures:
        """(B, 3, H, W) in [0, 1] -> projected multi-scale painting features, once per clip."""
        ...

    def __call__(
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
        """footage (B, T, 3, H, W) -> frames; ``guide`` (B, T, 7, H, W) iff ``cfg.sampling``."""
        ...


def check_guide(cfg: ModelConfig, guide: torch.Tensor | None) -> None:
    """A model with the painting-sampling path cannot run without its guide images."""
    if cfg.sampling and guide is None:
        raise ValueError("this model has the painting-sampling path: pass guide=clip_guide(...)")


__all__ = ["GUIDE_CHANNELS", "CamFuseOutput", "PaintingFeatures", "PaintingModel", "check_guide"]
