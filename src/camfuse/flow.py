"""Optical flow estimated from images (OpenCV DIS), for metrics and the flow-warp baseline.

Convention, the same as the generator's ground truth (``camfuse.data.synth``) and
:func:`camfuse.warp.backward_warp`: ``estimate_flow(frame, reference)`` returns, for every pixel x
of ``frame``, the offset to where that content sits in ``reference``, so

    backward_warp(reference, estimate_flow(frame, reference)) ≈ frame

wherever x is visible in both. DIS (Kroeger et al., ECCV 2016) is fast on a CPU and needs no
weights; the ``medium`` preset is the usual trade-off for metrics.

Occlusion: the forward-backward check of Sundaram et al. (ECCV 2010), as used by Lai et al. (2018)
for the temporal warping error: x is consistent when following the flow there and back again
returns near x, |w + ŵ|² < 0.01 (|w|² + |ŵ|²) + 0.5.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from .warp import backward_warp

_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
    "fine": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,  # + the search run down to full resolution
}
FINEST_SCALE = {"fine": 0}  # OpenCV's presets stop one pyramid level above full resolution


def _grey(x: torch.Tensor) -> np.ndarray:
    """(3, H, W) float in [0, 1] -> (H, W) uint8 luminance (Rec. 601, what DIS expects)."""
    y = 0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]
    return (y.detach().float().clamp(0, 1) * 255 + 0.5).to(torch.uint8).cpu().numpy()


def estimate_flow(
    frame: torch.Tensor, reference: torch.Tensor, *, preset: str = "medium"
) -> torch.Tensor:
    """frame, reference (N, 3, H, W) or (3, H, W) in [0, 1] -> flow (N, 2, H, W) or (2, H, W) px.

    ``frame(x) ≈ reference(x + flow(x))``: pass ``(frames[t], frames[t-1])`` for the backward
    flow used everywhere in camfuse.
    """
    if preset not in _PRESETS:
        raise ValueError(f"unknown DIS preset {preset!r}; choose one of {', '.join(_PRESETS)}")
    single = frame.dim() == 3
    a = frame[None] if single else frame
    b = reference[None] if single else reference
    if a.shape != b.shape:
        raise ValueError(f"frame {tuple(a.shape)} and reference {tuple(b.shape)} differ in shape")
    dis = cv2.DISOpticalFlow_create(_PRESETS[preset])
    if preset in FINEST_SCALE:
        dis.setFinestScale(FINEST_SCALE[preset])
    out = [
        torch.from_numpy(dis.calc(_grey(x), _grey(r), None)).permute(2, 0, 1)
        for x, r in zip(a, b, strict=True)
    ]
    flow = torch.stack(out).to(frame.device, torch.float32)
    return flow[0] if single else flow


def consistency_mask(flow: torch.Tensor, reverse: torch.Tensor) -> torch.Tensor:
    """Forward-backward check: (N, 2, H, W) each -> (N, 1, H, W) float, 1 = consistent.

    ``flow`` maps frame -> reference, ``reverse`` maps reference -> frame (both as returned by
    :func:`estimate_flow`). Pixels that leave the image are marked inconsistent too.
    """
    back = backward_warp(reverse, flow)  # ŵ(x + w(x))
    err = (flow + back).pow(2).sum(1, keepdim=True)
    mag = flow.pow(2).sum(1, keepdim=True) + back.pow(2).sum(1, keepdim=True)
    ok = err < 0.01 * mag + 0.5
    _, _, h, w = flow.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, device=flow.device), torch.arange(w, device=flow.device), indexing="ij"
    )
    x, y = xs + flow[:, 0], ys + flow[:, 1]
    inside = ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1))[:, None]
    return (ok & inside).float()


def clip_flows(
    frames: torch.Tensor, *, preset: str = "medium"
) -> tuple[torch.Tensor, torch.Tensor]:
    """frames (T, 3, H, W) -> (backward flow t -> t-1, consistency mask), each for t = 1..T-1.

    Shapes (T-1, 2, H, W) and (T-1, 1, H, W), the layout of the generator's ``flow``/``valid``.
    """
    if frames.shape[0] < 2:
        h, w = frames.shape[-2:]
        return frames.new_zeros(0, 2, h, w), frames.new_zeros(0, 1, h, w)
    cur, prev = frames[1:], frames[:-1]
    bwd = estimate_flow(cur, prev, preset=preset)
    fwd = estimate_flow(prev, cur, preset=preset)
    return bwd, consistency_mask(bwd, fwd)


def inside_frame(flow: torch.Tensor) -> torch.Tensor:
    """(N, 2, H, W) -> (N, 1, H, W) float: 1 where x + flow(x) lies inside the image."""
    _, _, h, w = flow.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, device=flow.device), torch.arange(w, device=flow.device), indexing="ij"
    )
    x, y = xs + flow[:, 0], ys + flow[:, 1]
    return ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1))[:, None].float()


class ChainTracker:
    """Follows every pixel back to a reference frame through consecutive flows, one frame at a time.

    Feed frames in order *away from* the reference (``reference+1, +2, ...`` or ``-1, -2, ...``).
    Each step estimates the small flow to the previous frame and composes it with the previous
    frame's flow to the reference, so the reference is resampled once, never re-warped per step
    (no cumulative blur), and DIS never has to find a large displacement. ``check`` adds the
    forward-backward test per step: a pixel stays trusted only while every link of its chain passed
    and its track stays inside the image. Memory is one frame and one flow, whatever the length.
    """

    def __init__(self, reference: torch.Tensor, *, preset: str = "medium", check: bool = True):
        self.prev = reference  # (3, H, W)
        h, w = reference.shape[-2:]
        self.flow = reference.new_zeros(1, 2, h, w)  # previous frame -> reference
        self.valid = reference.new_ones(1, 1, h, w)
        self.preset, self.check = preset, check

    def step(self, frame: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """frame (3, H, W) -> (flow to the reference (2, H, W), trusted mask (1, H, W))."""
        s = estimate_flow(frame[None], self.prev[None], preset=self.preset)  # frame -> previous
        flow = s + backward_warp(self.flow, s)  # x -> x + s(x) in prev, then on to the reference
        valid = self.valid.new_ones(self.valid.shape)
        if self.check:
            back = estimate_flow(self.prev[None], frame[None], preset=self.preset)
            valid = consistency_mask(s, back) * (backward_warp(self.valid, s) > 0.5).float()
            valid = valid * inside_frame(flow)
        self.prev, self.flow, self.valid = frame, flow, valid
        return flow[0], valid[0]


def chain_to(
    frames: torch.Tensor, k: int, *, preset: str = "medium", check: bool = True
) -> tuple[torch.Tensor, torch.Tensor]:
    """frames (T, 3, H, W) -> (flow of every frame to frame k (T, 2, H, W), trusted (T, 1, H, W)),
    by :class:`ChainTracker` in both directions away from k."""
    n, _, h, w = frames.shape
    flow = frames.new_zeros(n, 2, h, w)
    valid = frames.new_ones(n, 1, h, w)
    for order in (range(k + 1, n), range(k - 1, -1, -1)):
        tracker = ChainTracker(frames[k], preset=preset, check=check)
        for i in order:
            flow[i], valid[i] = tracker.step(frames[i])
    return flow, valid
