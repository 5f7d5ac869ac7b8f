"""Where carried paint no longer shows what the frame shows: the keyframe's footage, carried to
the frame along the same track, compared with the frame.

The track carries the keyframe's paint wherever optical flow finds the same surface. But a
surface can change while it stays put: a mouth closes, the side of a box turns into view, a hand
passes in front of a face, a shadow falls. The flow's forward-backward check does not see these
(the flow is smooth and consistent across them), so the keyframe's open mouth rides on a closed
one. EbSynth (Jamriška et al., SIGGRAPH 2019) avoids it by synthesising every frame from the
keyframe guided by that frame's own appearance; we keep the carried paint (it keeps brushwork
stable) and mark it untrusted where its footage disagrees with the frame, so the per-shot fill
repaints there from the frame itself (:func:`camfuse.guide.track.track_keys`).

The comparison, per pixel:

- exposure compensation: one affine colour map per channel (gain and offset, least squares over
  the pixels the track trusts), so a global exposure or white-balance drift is not a change;
  a local change of light (a shadow) is, on purpose: the paint there should change too;
- tolerance to the flow's sub-pixel error: the distance is the smallest over the carried
  footage's 3x3 neighbourhood, so an edge carried half a pixel off is not a change;
- the mean absolute difference over the channels, averaged over 3x3 px (sensor noise), mapped
  to [0, 1] between :data:`LOW` and :data:`HIGH` (colour units in [0, 1]); then grown by a
  stroke (a max filter) and softened by as much, so that a thin change (the opening of a mouth
  is a few pixels tall at the working size) untrusts its surroundings too, and the repainted
  region meets the carried paint with a soft edge. Averaging over a stroke-sized box instead,
  as first tried, diluted a 3-px band below the threshold (seen on carphone's mouth, keyframe
  60: docs/img/stale_carphone.jpg; judged by eye, not by a committed measurement).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .merge import box_blur

# below LOW the carried footage matches (noise, compression, residual misalignment); above HIGH
# it is another surface. Chosen by eye on bikes and carphone at 256 px (the mouth, the cyclists);
# bigbuckbunny and the held-out split were not looked at while choosing.
LOW, HIGH = 0.05, 0.12


def staleness(
    frame: torch.Tensor, carried: torch.Tensor, trusted: torch.Tensor, radius: int
) -> torch.Tensor:
    """frame, carried footage (3, H, W) in [0, 1], trusted (1, H, W) -> (1, H, W) in [0, 1]:
    1 where the carried paint shows something else than the frame (module docstring)."""
    matched = _exposure(carried, frame, trusted)
    pad = F.pad(matched[None], (1, 1, 1, 1), mode="replicate")[0]
    h, w = frame.shape[-2:]
    d = torch.stack(
        [
            (frame - pad[:, dy : dy + h, dx : dx + w]).abs().mean(0)
            for dy in range(3)
            for dx in range(3)
        ]
    ).amin(0, keepdim=True)
    changed = ((box_blur(d, 1) - LOW) / (HIGH - LOW)).clamp(0, 1)  # a 3x3 mean: sensor noise
    # thin changes count (a mouth's opening is a few px tall): grown by a stroke, then softened
    grown = F.max_pool2d(changed[None], 2 * radius + 1, 1, radius)[0]
    return box_blur(grown, radius)


def _exposure(source: torch.Tensor, target: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """``source`` through the per-channel gain and offset that best match ``target`` where
    ``weight`` > 0.5 (identity when too few pixels are trusted)."""
    m = (weight > 0.5).reshape(-1)
    if int(m.sum()) < 64:
        return source
    s, t = source.reshape(3, -1)[:, m], target.reshape(3, -1)[:, m]
    sm, tm = s.mean(1, keepdim=True), t.mean(1, keepdim=True)
    var = (s - sm).square().mean(1, keepdim=True)
    gain = ((s - sm) * (t - tm)).mean(1, keepdim=True) / var.clamp_min(1e-4)
    gain = gain.clamp(0.5, 2.0)  # exposure drifts; a gain beyond this is not one
    return (gain[:, :, None] * (source - sm[:, :, None]) + tm[:, :, None]).clamp(0, 1)


__all__ = ["HIGH", "LOW", "staleness"]
