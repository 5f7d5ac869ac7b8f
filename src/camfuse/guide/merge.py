"""Merging two carried paint-overs per pixel without losing contrast (temporal blending).

Between two keyframes A < B every frame has two candidates: A's paint carried forwards and B's
carried backwards. Jamriška et al. (SIGGRAPH 2019, "Stylizing Video by Example") blend such pairs
with weights by distance in time, and note the trap: a plain average of two textures that are not
pixel-identical (two paintings of the same scene, each with its own strokes) halves their
uncorrelated detail, so the middle frames look washed out, then sharpen again near a key. They
restore it in the gradient domain. We do the cheap local equivalent:

- each candidate is split into a local mean (a box filter) and its detail;
- the means are mixed linearly by the weights (colours move smoothly from A's to B's);
- the mixed detail is rescaled so its local energy equals the weighted energy of the two details
  (variance-preserving blending, as in Heitz & Neyret, HPG 2018, "High-Performance By-Example
  Noise using a Histogram-Preserving Blending Operator"). Where the two details coincide (the
  same strokes carried from both sides) the gain is 1; where they are unrelated it reaches up to
  sqrt(2) at the midpoint. It is capped at :data:`MAX_GAIN`.

Weights: ``distance weight x trust``, per pixel; the trust masks are softened by the same box
filter so the switch from one source to two leaves no seam where a track ends. With one weight
0 the result is exactly the other candidate.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

MAX_GAIN = 2.0  # a cap on detail amplification: noise in flat regions must not explode
EPS = 1e-6


def box_blur(x: torch.Tensor, radius: int) -> torch.Tensor:
    """(C, H, W) -> local mean over a (2r+1)^2 window, borders averaged over what is inside."""
    if radius <= 0:
        return x
    return F.avg_pool2d(x[None], 2 * radius + 1, 1, radius, count_include_pad=False)[0]


def blend_radius(h: int, w: int) -> int:
    """Box radius for an image: about a stroke, 4 px at 256 px."""
    return max(1, round(min(h, w) / 64))


def soften(mask: torch.Tensor, radius: int) -> torch.Tensor:
    """(1, H, W) binary trust -> values in [0, 1], feathered over ``radius`` px."""
    return box_blur(mask.float(), radius)


def merge_pair(
    a: torch.Tensor, b: torch.Tensor, wa: torch.Tensor, wb: torch.Tensor, radius: int
) -> torch.Tensor:
    """Candidates (C, H, W), weights (1, H, W) >= 0 -> the contrast-preserving blend.

    Where both weights are 0 the plain mean is returned (the caller marks such pixels untrusted)."""
    total = wa + wb
    wa = torch.where(total > EPS, wa / total.clamp_min(EPS), torch.full_like(wa, 0.5))
    wb = 1 - wa
    low_a, low_b = box_blur(a, radius), box_blur(b, radius)
    da, db = a - low_a, b - low_b
    detail = wa * da + wb * db
    target = box_blur(
        wa * da.square().sum(0, keepdim=True) + wb * db.square().sum(0, keepdim=True), radius
    )
    actual = box_blur(detail.square().sum(0, keepdim=True), radius)
    gain = (target / actual.clamp_min(EPS)).sqrt().clamp(1.0, MAX_GAIN)
    gain = torch.where((wa > 0) & (wb > 0), gain, torch.ones_like(gain))  # one source: exact
    return wa * low_a + wb * low_b + gain * detail


__all__ = ["MAX_GAIN", "blend_radius", "box_blur", "merge_pair", "soften"]
