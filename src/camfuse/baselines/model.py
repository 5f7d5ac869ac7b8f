"""CamFuse models as methods: run exactly as ``camfuse render`` runs them.

The footage is handed to :func:`camfuse.render.stylise` as uint8 frames (the render pipeline's image
boundary), so the numbers the evaluation reports are those of the shipped command, windows,
crossfades and per-window keyframe conditioning included; the uint8 rounding of generator footage
costs nothing measurable (~59 dB). The model runs at the clip's own size rounded to multiples of 16
(:func:`camfuse.models.inputs.model_size`) unless ``size`` sets the long side.

``camfuse-per-frame`` is the same network with windows of one frame: the temporal decoder sees no
other frame, which reduces the paper's temporal model to a per-frame one (the temporal ablation
at inference time, without retraining).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..models.inputs import fit_image, model_size, to_uint8
from ..render import stylise
from ..render.adapt import AdaptSettings, adapt, adapt_cache
from ..render.style_key import KeySettings, key_cache, key_frame, paint_from_reference
from ..render.windows import DEFAULT_OVERLAP
from .base import check_inputs, from_uint8


class ModelMethod:
    """A loaded CamFuse model behind the :class:`~camfuse.baselines.base.Method` interface."""

    def __init__(
        self,
        model: nn.Module,
        *,
        window: int,
        overlap: int | None = None,
        name: str = "camfuse",
        label: str = "CamFuse (ours)",
        size: int | None = None,
        strength: float = 1.0,
        palette: bool = True,
        precision: str = "fp32",
        adapt: int | None = None,
    ):
        overlap = DEFAULT_OVERLAP if overlap is None else overlap
        max_frames = model.cfg.max_frames
        if not 1 <= window <= max_frames:
            raise ValueError(
                f"window must be in [1, {max_frames}] (model max_frames), got {window}"
            )
        if not 0 <= overlap < window:
            raise ValueError(f"overlap must be in [0, {window - 1}], got {overlap}")
        self.model, self.window, self.overlap = model.eval(), window, overlap
        self.name, self.label, self.size, self.strength = name, label, size, strength
        self.palette, self.precision, self.adapt = palette, precision, adapt

    multikey = True  # several keyframes, as `camfuse render` takes them

    def __call__(
        self, painting: Tensor, footage: Tensor, *, keyframe: int | tuple[int, ...] | None
    ) -> Tensor:
        check_inputs(painting, footage, keyframe)
        t, _, h, w = footage.shape
        size = model_size(w, h, self.size or max(w, h))
        fill, palette = None, self.palette
        several = keyframe is not None and not isinstance(keyframe, int)
        if self.adapt is not None and getattr(self.model.cfg, "sampling", False):
            if keyframe is None:  # as render --style --adapt: paint the middle frame, carry it
                keyframe, palette = key_frame(range(t)), False
                key = fit_image(footage[keyframe].float().cpu(), size)
                reference = fit_image(painting.float().cpu(), size, crop=True)
                paint = paint_from_reference(key, reference, KeySettings(), cache=key_cache())
                painting = paint
            else:  # every keyframe pair, side by side
                keys = list(keyframe) if several else [keyframe]
                paints = list(painting) if several else [painting]
                key = torch.cat([fit_image(footage[k].float().cpu(), size) for k in keys], -1)
                paint = torch.cat([fit_image(p.float().cpu(), size) for p in paints], -1)
            fill = adapt(key, paint, AdaptSettings(steps=self.adapt), cache=adapt_cache())
        frames = stylise(
            self.model,
            [to_uint8(p) for p in painting] if several else to_uint8(painting),
            (to_uint8(f) for f in footage),
            total=t,
            out_size=(w, h),
            size=size,
            keyframe=list(keyframe) if several else keyframe,
            strength=self.strength,
            window=self.window,
            overlap=self.overlap,
            palette=palette,
            precision=self.precision,
            fill=fill,
        )
        return from_uint8(list(frames), footage.device)


def per_frame(model: nn.Module, name: str = "camfuse-per-frame", **kwargs) -> ModelMethod:
    """The same model with no temporal context: windows of one frame, no overlap."""
    adapted = " with per-shot adaptation" if kwargs.get("adapt") is not None else ""
    return ModelMethod(
        model,
        window=1,
        overlap=0,
        name=name,
        label=f"CamFuse, one frame at a time (no temporal context){adapted}",
        **kwargs,
    )
