"""flow-warp-fill: the painting-sampling guide alone, with no network (the extension's floor).

Keyframe role: the paint-over carried along the chained flow wherever the track is trusted, and
the footage through the per-shot colour map fitted on the keyframe everywhere else
(:mod:`camfuse.guide`). This is what an untrained model with the painting-sampling path renders,
up to its soft blend (its head starts at zero and its blend weight at sigmoid(±4) = 0.982 / 0.018
from the confidence), so the gap between this row and ``camfuse`` is what training added. Style role: the footage itself (the guide has no paint
without a paint-over).

``flow-warp-fill-adapted``: the fill is the adapted one (:mod:`camfuse.render.adapt`); in the style
role the clip's middle frame is first painted from the reference (:mod:`camfuse.render.style_key`)
and carried as a paint-over, as ``camfuse render --style --adapt auto`` does, without the network.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ..guide.flow import DisSettings
from ..guide.track import RENDER_FLOW, clip_guide, guide_paint
from ..render.adapt import AdaptSettings, adapt, adapt_cache
from ..render.style_key import KeySettings, key_cache, key_frame, paint_from_reference
from .base import check_inputs, fit_painting


class FlowWarpFill:
    multikey = True  # several keyframes: the guide merges their tracks (camfuse.guide.track)
    name = "flow-warp-fill"
    label = "flow-warp where tracked, keyframe colour map elsewhere (no network)"

    def __init__(self, *, preset: str | DisSettings = RENDER_FLOW, adapt: int | None = None):
        self.preset = preset  # the guide's DIS flow (benchmarks/bench_guide.py compares them)
        self.adapt = adapt  # the shot painter's steps (0: the feature map alone; None: colour map)
        if adapt is not None:
            self.name = "flow-warp-fill-adapted"
            self.label = "flow-warp where tracked, the adapted fill elsewhere; style role: from a painted frame (no network)"

    def __call__(
        self, painting: Tensor, footage: Tensor, *, keyframe: int | tuple[int, ...] | None
    ) -> Tensor:
        check_inputs(painting, footage, keyframe)
        frames = footage.float()
        h, w = frames.shape[-2:]
        if keyframe is None and self.adapt is None:
            return frames.clone()
        if keyframe is None:  # paint the middle frame from the reference, then carry it
            keyframe = key_frame(range(frames.shape[0]))
            reference = fit_painting(painting.cpu(), (w, h), crop=True)
            key = frames[keyframe].cpu()
            p = paint_from_reference(key, reference, KeySettings(), cache=key_cache())
            p = p.to(frames.device)
        else:
            p = painting.to(frames.device)
            p = (
                torch.stack([fit_painting(x, (w, h), crop=False) for x in p])
                if p.dim() == 4
                else fit_painting(p, (w, h), crop=False)
            )
        fill = None
        if self.adapt is not None:  # trained on every keyframe pair, side by side
            keys = [keyframe] if isinstance(keyframe, int) else list(keyframe)
            pairs = p[None] if p.dim() == 3 else p
            fill = adapt(
                torch.cat([frames[k] for k in keys], dim=-1),
                torch.cat(list(pairs), dim=-1),
                AdaptSettings(steps=self.adapt),
                cache=adapt_cache(),
            )
        return guide_paint(clip_guide(p, frames, keyframe, preset=self.preset, fill=fill))
