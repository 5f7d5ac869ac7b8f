"""The two trivial bounds of every comparison.

``identity`` (the footage itself) is the floor for "looks painted": any method should beat it on
style and match it on temporal stability, since real footage is perfectly stable. ``static-keyframe``
(the painting held still) is the opposite corner: perfectly painted and perfectly stable, but it
ignores all motion, so its error against the painted ground truth grows with motion.
"""

from __future__ import annotations

from torch import Tensor

from .base import check_inputs, fit_painting


class Identity:
    name = "identity"
    label = "footage unchanged (no painting)"

    def __call__(self, painting: Tensor, footage: Tensor, *, keyframe: int | None) -> Tensor:
        check_inputs(painting, footage, keyframe)
        return footage.float().clamp(0, 1)  # a new tensor: callers may modify the result


class StaticKeyframe:
    name = "static-keyframe"
    label = "painting held still on every frame"

    def __call__(self, painting: Tensor, footage: Tensor, *, keyframe: int | None) -> Tensor:
        check_inputs(painting, footage, keyframe)
        t, _, h, w = footage.shape
        p = fit_painting(painting.to(footage.device), (w, h), crop=keyframe is None)
        return p[None].repeat(t, 1, 1, 1)  # (T, 3, H, W), not an expanded view
