"""flow-warp-fill: the painting-sampling guide alone, with no network (the extension's floor).

Keyframe role: the paint-over carried along the chained flow wherever the track is trusted, and
the footage through the per-shot colour map fitted on the keyframe everywhere else
(:mod:`camfuse.guide`). This is what an untrained model with the painting-sampling path renders,
up to its soft blend (its head starts at zero and its blend weight at sigmoid(±4) = 0.982 / 0.018
from the confidence), so the gap between this row and ``camfuse`` is what training added. Style role: the footage itself (the guide has no paint
without a paint-over).
"""

from __future__ import annotations

from torch import Tensor

from ..guide.flow import DisSettings
from ..guide.track import RENDER_FLOW, clip_guide
from ..render.adapt import AdaptSettings, adapt, adapt_cache
from .base import check_inputs, fit_painting


class FlowWarpFill:
    name = "flow-warp-fill"
    label = "flow-warp where tracked, keyframe colour map elsewhere (no network)"

    def __init__(self, *, preset: str | DisSettings = RENDER_FLOW, adapt: int = 0):
        self.preset = preset  # the guide's DIS flow (benchmarks/bench_guide.py compares them)
        self.adapt = adapt  # steps of per-shot adaptation for the fill (0: the colour map)
        if adapt:
            self.name = "flow-warp-fill-adapted"
            self.label = "flow-warp where tracked, the adapted shot painter elsewhere (no network)"

    def __call__(self, painting: Tensor, footage: Tensor, *, keyframe: int | None) -> Tensor:
        check_inputs(painting, footage, keyframe)
        frames = footage.float()
        if keyframe is None:
            return frames.clone()
        h, w = frames.shape[-2:]
        p = fit_painting(painting.to(frames.device), (w, h), crop=False)
        fill = None
        if self.adapt:
            fill = adapt(frames[keyframe], p, AdaptSettings(steps=self.adapt), cache=adapt_cache())
        g = clip_guide(p, frames, keyframe, preset=self.preset, fill=fill)
        trusted = g[:, 3:4]
        return (trusted * g[:, :3] + (1 - trusted) * g[:, 4:]).clamp(0, 1)
