"""The keyframes' paint at the output size: the brushwork the working size cannot hold.

The network, the guide and the fill run at the model size (256 px by default): a 1280x720
paint-over seen at 256x144 keeps a twentieth of its pixels, and scaled back up it is a soft
wash (detail ratio 0.32 of the ground truth's high-frequency energy on real clips at 640-768 px,
issue 22). What is painted at the working size is the paint's *low* frequencies; the artist's
strokes, edges and paper are its high frequencies, and those the track can carry at full size:

- the working-size track (:func:`camfuse.guide.track.track_keys`) says, per keyframe, where each
  pixel is in that keyframe (its flow) and how much it counts (:class:`~camfuse.guide.track.Carried`);
- the flow is upsampled to the output size and the paint-over, kept at the output size, is sampled
  along it (two keyframes: merged with the same contrast-preserving blend, at full size);
- the output is the network's frame scaled up plus the carried paint's detail (itself minus its
  own working-size version scaled up), weighted by the track's soft trust:

      out = up(network) + up(trust) x (carried - up(down(carried))) + (1 - up(trust)) x copied

  Where the network returns the guide's paint (a trusted track) this is the carried paint-over at
  full size; where the fill paints (content the keyframe never showed, or stale paint) it is the
  fill's working-size frame scaled up, with the frame's own edges (:func:`guided_upsample`, in
  place of ``up`` where the trust is low), and ``copied``: the nearest keyframe's marks taken
  from where its footage looks like the frame (:mod:`camfuse.render.strokes`; ``strokes=False``
  leaves it out).

A paint-over larger than the footage (a 4K paint-over of 1080p footage) is brought to the output
size once (antialiased), not to the model size. The paintings are kept as uint8 and converted one
frame at a time, so memory is a few full-size frames, whatever the number of keyframes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..guide.merge import blend_radius, box_blur, merge_pair
from ..guide.track import Carried
from ..guide.warp import backward_warp
from .strokes import NEED, StrokeCopy


class FullSizePaint:
    """The paint-overs at the output size ``out_size`` (w, h), by keyframe number."""

    def __init__(
        self,
        paintings: dict[int, np.ndarray],
        out_size: tuple[int, int],
        size: tuple[int, int],
        device: torch.device,
        strokes: bool = True,
    ) -> None:
        self.out_size, self.size, self.device = out_size, size, device
        self.radius = blend_radius(out_size[1], out_size[0])
        self.paint = {k: _at_size(p, out_size, device) for k, p in paintings.items()}
        self.strokes = strokes  # copy the keyframe's marks where the fill paints (render.strokes)
        self.copies: dict[int, StrokeCopy] = {}  # keyframe -> its strokes (camfuse.render.strokes)

    def layer(
        self,
        base: torch.Tensor,
        carried: Sequence[Carried],
        trust: torch.Tensor | None,
        footage: np.ndarray | None = None,
        frame: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """base (3, h, w), the network's frame at the model size -> (3, H, W) at the output size
        with the carried paint's detail where the track holds, and the frame's own edges
        (``footage``, uint8 (H, W, 3) at the output size) where it does not (module docstring)."""
        up = resize(base.float(), self.out_size)
        held = None if trust is None else resize(trust.float(), self.out_size)  # once a frame
        if footage is not None:
            guided = guided_upsample(base.float(), _grey(footage, self.device), self.size)
            up = guided if held is None else up + (1 - held) * (guided - up)
        if not carried or held is None:
            return up
        sides = [self._carry(c) for c in carried]
        if len(sides) == 2:
            weights = [resize(c.weight.float(), self.out_size) for c in carried]
            paint = merge_pair(*sides, *weights, self.radius)
        else:
            paint = sides[0]
        out = up + held * self._detail(paint)
        if self.strokes and frame is not None and float(trust.amin()) < 1 - NEED:
            for marks, (ys, xs) in self._strokes(carried, trust, frame):
                out[:, ys, xs] += (1 - held[:, ys, xs]) * marks
        return out

    def _strokes(self, carried: Sequence[Carried], trust: torch.Tensor, frame: torch.Tensor):
        """The nearest keyframe's brush marks copied where the fill paints (render.strokes):
        blocks of (marks, (rows, columns) of the output they cover)."""
        c = max(carried, key=lambda c: float(c.weight.mean()))
        if c.footage is None:
            return []
        if c.key not in self.copies:
            own = self._detail(self.paint[c.key][:3].float() / 255)
            self.copies[c.key] = StrokeCopy(c.footage.to(self.device), own)
        return self.copies[c.key](frame.to(self.device), 1 - trust.to(self.device))

    def _detail(self, paint: torch.Tensor) -> torch.Tensor:
        """(3, H, W) at the output size minus its own working-size version scaled up."""
        return paint - resize(resize(paint, self.size), self.out_size)

    def _carry(self, c: Carried) -> torch.Tensor:
        """The keyframe's paint-over sampled along its upsampled flow, (3, H, W) float."""
        paint = self.paint[c.key][:3].float() / 255
        if not bool(c.flow.abs().amax() > 0):  # the keyframe itself
            return paint
        w, h = self.out_size
        scale = torch.tensor([w / c.flow.shape[-1], h / c.flow.shape[-2]], device=self.device)
        flow = resize(c.flow.float().to(self.device), self.out_size) * scale[:, None, None]
        return backward_warp(paint[None], flow[None])[0]


GUIDED_RADIUS = 2  # px at the model size: the local linear model's window (5x5)
GUIDED_EPS = 0.06**2  # below this variance of the guide's luminance a patch counts as flat


def guided_upsample(low: torch.Tensor, guide: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """``low`` (C, h, w) at ``size`` (w, h) scaled up to the guide's size (1, H, W) with the
    guide's own edges, by the local linear model of the guided filter (He et al. 2010; as joint
    upsampling, He & Sun 2015): per window, low ~ a x guide + b; the smoothed slope ``a`` is
    upsampled and multiplies the detail the guide loses at the working size, which is added to
    ``low`` scaled up. Where the guide is flat (its variance well below GUIDED_EPS) or ``low``
    does not follow it, a ~ 0 and the result is ``low`` scaled up, exactly."""
    g = resize(guide, size)
    box = lambda x: box_blur(x, GUIDED_RADIUS)  # noqa: E731
    mean_g, mean_p = box(g), box(low)
    cov = box(g * low) - mean_g * mean_p
    var = box(g * g) - mean_g * mean_g
    out_size = (guide.shape[-1], guide.shape[-2])
    slope = resize(box(cov / (var + GUIDED_EPS)), out_size)
    return resize(low, out_size) + slope * (guide - resize(g, out_size))


def _grey(image: np.ndarray, device: torch.device) -> torch.Tensor:
    """uint8 (H, W, 3) -> float luminance (1, H, W) in [0, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(image)).to(device).float() / 255
    return (x @ torch.tensor([0.299, 0.587, 0.114], device=device))[None]


def _at_size(painting: np.ndarray, size: tuple[int, int], device: torch.device) -> torch.Tensor:
    """uint8 (H, W, 3|4) -> uint8 (3|4, h, w) at ``size`` (w, h)."""
    x = torch.from_numpy(np.ascontiguousarray(painting)).to(device).permute(2, 0, 1)
    if x.shape[-2:] == (size[1], size[0]):
        return x
    y = x.float()[None] / 255
    if size[0] < x.shape[-1]:  # a larger paint-over: box-filtered, the strokes kept crisp
        y = F.interpolate(y, size=(size[1], size[0]), mode="area")
    else:
        y = F.interpolate(y, size=(size[1], size[0]), mode="bicubic", align_corners=False)
    return (y[0].clamp(0, 1) * 255).round().to(torch.uint8)


def resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(C, h, w) float -> (C, H, W) at ``size`` (w, h), bilinear (antialiased when shrinking)."""
    if x.shape[-2:] == (size[1], size[0]):
        return x
    shrink = size[0] < x.shape[-1]
    return F.interpolate(
        x[None], size=(size[1], size[0]), mode="bilinear", antialias=shrink, align_corners=False
    )[0]


__all__ = ["FullSizePaint", "resize"]
