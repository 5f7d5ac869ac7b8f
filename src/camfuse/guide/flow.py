"""Optical flow estimated from images (OpenCV DIS), for metrics and the flow-warp baseline.

Convention, the same as the generator's ground truth (``camfuse.data.synth``) and
:func:`camfuse.guide.warp.backward_warp`: ``estimate_flow(frame, reference)`` returns, for every pixel x
of ``frame``, the offset to where that content sits in ``reference``, so

    backward_warp(reference, estimate_flow(frame, reference)) ≈ frame

wherever x is visible in both. DIS (Kroeger et al., ECCV 2016) is fast on a CPU and needs no
weights; the ``medium`` preset is the usual trade-off for metrics. A preset is a name in
:data:`PRESETS` or explicit :class:`DisSettings` (OpenCV's knobs, a cap on the resolution DIS runs
at, and the settings of the check's reverse flow); ``benchmarks/bench_guide.py`` compares them.

Occlusion: the forward-backward check of Sundaram et al. (ECCV 2010), as used by Lai et al. (2018)
for the temporal warping error: x is consistent when following the flow there and back again
returns near x, |w + ŵ|² < 0.01 (|w|² + |ŵ|²) + 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .warp import backward_warp

_BASES = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


@dataclass(frozen=True)
class DisSettings:
    """One DIS configuration: an OpenCV preset, the knobs set on top of it, and a size cap.

    ``None`` keeps the OpenCV preset's value (medium: finest scale 1, patch 8, stride 3, 25
    descent iterations, 5 refinement iterations, alpha 20, gamma 10, delta 5, mean normalisation
    and spatial propagation on).
    """

    base: str = "medium"  # the OpenCV preset: ultrafast / fast / medium
    finest_scale: int | None = None  # 0 = search down to full resolution (presets stop above it)
    patch_size: int | None = None
    patch_stride: int | None = None
    descent_iterations: int | None = None  # gradient-descent iterations per patch
    refinement_iterations: int | None = None  # variational refinement per pyramid level (0 = off)
    refinement_alpha: float | None = None  # smoothness weight
    refinement_gamma: float | None = None  # gradient-constancy weight
    refinement_delta: float | None = None  # colour-constancy weight
    mean_normalization: bool | None = None
    spatial_propagation: bool | None = None
    # DIS runs on frames shrunk to at most this many px on the long side (INTER_AREA); the flow is
    # upsampled bilinearly and scaled back. None = full resolution.
    max_side: int | None = None
    # the reverse flow of the forward-backward check, when it may be cheaper (None = these settings)
    check: DisSettings | None = None

    def __post_init__(self) -> None:
        if self.base not in _BASES:
            raise ValueError(
                f"unknown OpenCV DIS preset {self.base!r}; choose one of {', '.join(_BASES)}"
            )
        if self.max_side is not None and self.max_side < 16:
            raise ValueError(f"max_side must be >= 16 px (or None), got {self.max_side}")

    def create(self) -> cv2.DISOpticalFlow:
        dis = cv2.DISOpticalFlow_create(_BASES[self.base])
        setters = {
            "finest_scale": dis.setFinestScale,
            "patch_size": dis.setPatchSize,
            "patch_stride": dis.setPatchStride,
            "descent_iterations": dis.setGradientDescentIterations,
            "refinement_iterations": dis.setVariationalRefinementIterations,
            "refinement_alpha": dis.setVariationalRefinementAlpha,
            "refinement_gamma": dis.setVariationalRefinementGamma,
            "refinement_delta": dis.setVariationalRefinementDelta,
            "mean_normalization": dis.setUseMeanNormalization,
            "spatial_propagation": dis.setUseSpatialPropagation,
        }
        for name, setter in setters.items():
            value = getattr(self, name)
            if value is not None:
                setter(value)
        return dis


# Named configurations. "fast" / "medium" are OpenCV's presets unchanged, "fine" is medium run
# down to full resolution; their meaning must not change, or old results stop being reproducible.
# The "-320" presets cap the resolution DIS sees: its 8-px patches suit frames of about 256-320 px;
# on larger frames, full-resolution search costs 2-3x the time for a guide no better
# (benchmarks/bench_guide.py, tables in docs/performance_notes.md).
PRESETS: dict[str, DisSettings] = {
    "ultrafast": DisSettings(base="ultrafast"),
    "fast": DisSettings(base="fast"),
    "medium": DisSettings(base="medium"),
    "fine": DisSettings(base="medium", finest_scale=0),
    # "fine" up to 320 px, identical to it there (what the guide renders with, camfuse.guide)
    "fine-320": DisSettings(base="medium", finest_scale=0, max_side=320),
    # also fewer patches (stride 4, 8 descent iterations): cheaper, and no longer identical at 256
    "lean-320": DisSettings(
        base="medium", finest_scale=0, patch_stride=4, descent_iterations=8, max_side=320
    ),
}


def resolve(preset: str | DisSettings) -> DisSettings:
    """A preset name or explicit settings -> settings; ValueError for an unknown name."""
    if isinstance(preset, DisSettings):
        return preset
    if preset not in PRESETS:
        raise ValueError(f"unknown DIS preset {preset!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[preset]


def _grey(x: torch.Tensor, size: tuple[int, int]) -> np.ndarray:
    """(3, H, W) float in [0, 1] -> (h, w) uint8 luminance (Rec. 601, what DIS expects) at
    ``size`` = (w, h), area-averaged when smaller."""
    y = 0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]
    g = (y.detach().float().clamp(0, 1) * 255 + 0.5).to(torch.uint8).cpu().numpy()
    if size != (g.shape[1], g.shape[0]):
        g = cv2.resize(g, size, interpolation=cv2.INTER_AREA)
    return g


def estimate_flow(
    frame: torch.Tensor, reference: torch.Tensor, *, preset: str | DisSettings = "medium"
) -> torch.Tensor:
    """frame, reference (N, 3, H, W) or (3, H, W) in [0, 1] -> flow (N, 2, H, W) or (2, H, W) px.

    ``frame(x) ≈ reference(x + flow(x))``: pass ``(frames[t], frames[t-1])`` for the backward
    flow used everywhere in camfuse. ``preset`` is a name from :data:`PRESETS` or explicit
    :class:`DisSettings`.
    """
    settings = resolve(preset)
    single = frame.dim() == 3
    a = frame[None] if single else frame
    b = reference[None] if single else reference
    if a.shape != b.shape:
        raise ValueError(f"frame {tuple(a.shape)} and reference {tuple(b.shape)} differ in shape")
    h, w = a.shape[-2:]
    size = _capped(w, h, settings.max_side)  # (w, h) DIS runs at
    dis = settings.create()
    out = [
        torch.from_numpy(dis.calc(_grey(x, size), _grey(r, size), None)).permute(2, 0, 1)
        for x, r in zip(a, b, strict=True)
    ]
    flow = torch.stack(out).to(frame.device, torch.float32)
    if size != (w, h):
        flow = upsample_flow(flow, (h, w))
    return flow[0] if single else flow


def _capped(w: int, h: int, max_side: int | None) -> tuple[int, int]:
    if max_side is None or max(w, h) <= max_side:
        return w, h
    s = max_side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def upsample_flow(flow: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(N, 2, h, w) px at that size -> (N, 2, H, W) px at ``size`` = (H, W): bilinear on pixel
    centres, each component scaled by its own size ratio."""
    _, _, h, w = flow.shape
    up = F.interpolate(flow, size=size, mode="bilinear", align_corners=False)
    scale = torch.tensor([size[1] / w, size[0] / h], dtype=flow.dtype, device=flow.device)
    return up * scale[:, None, None]


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
    frames: torch.Tensor, *, preset: str | DisSettings = "medium"
) -> tuple[torch.Tensor, torch.Tensor]:
    """frames (T, 3, H, W) -> (backward flow t -> t-1, consistency mask), each for t = 1..T-1.

    Shapes (T-1, 2, H, W) and (T-1, 1, H, W), the layout of the generator's ``flow``/``valid``.
    """
    if frames.shape[0] < 2:
        h, w = frames.shape[-2:]
        return frames.new_zeros(0, 2, h, w), frames.new_zeros(0, 1, h, w)
    cur, prev = frames[1:], frames[:-1]
    bwd = estimate_flow(cur, prev, preset=preset)
    fwd = estimate_flow(prev, cur, preset=resolve(preset).check or preset)
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

    def __init__(
        self,
        reference: torch.Tensor,
        *,
        preset: str | DisSettings = "medium",
        check: bool = True,
    ):
        self.prev = reference  # (3, H, W)
        h, w = reference.shape[-2:]
        self.flow = reference.new_zeros(1, 2, h, w)  # previous frame -> reference
        self.valid = reference.new_ones(1, 1, h, w)
        self.preset, self.check = resolve(preset), check
        self.reverse = self.preset.check or self.preset  # settings of the check's reverse flow

    def step(self, frame: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """frame (3, H, W) -> (flow to the reference (2, H, W), trusted mask (1, H, W))."""
        s = estimate_flow(frame[None], self.prev[None], preset=self.preset)  # frame -> previous
        flow = s + backward_warp(self.flow, s)  # x -> x + s(x) in prev, then on to the reference
        valid = self.valid.new_ones(self.valid.shape)
        if self.check:
            back = estimate_flow(self.prev[None], frame[None], preset=self.reverse)
            valid = consistency_mask(s, back) * (backward_warp(self.valid, s) > 0.5).float()
            valid = valid * inside_frame(flow)
        self.prev, self.flow, self.valid = frame, flow, valid
        return flow[0], valid[0]


def chain_to(
    frames: torch.Tensor,
    k: int,
    *,
    preset: str | DisSettings = "medium",
    check: bool = True,
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
