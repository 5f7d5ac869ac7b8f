"""Run methods on clips and measure them: the numbers behind ``camfuse evaluate`` and ``ablate``.

Per clip, the footage's optical flow (DIS, forward-backward checked) is estimated once and shared
by every method's warping error and coupling index. Per-clip metrics are averaged over the clips
of a group (a role: keyframe / style, and ``all``); FD and KID are computed over all frames of a
group against the ground-truth frames. When the clips have ground truth, the ground truth itself
is measured as a pseudo-method (``ground-truth``) so that temporal numbers have a reference: a
method cannot be expected to flicker less than the painted truth does.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from ..guide.flow import clip_flows
from ..metrics import (
    DistributionMetrics,
    FeatureExtractor,
    coupling_index,
    fusion_degree,
    long_term_flows,
    long_term_warp_error,
    psnr,
    ssim,
    style_distance,
    warp_error,
)
from ..metrics.fidelity import MAX_PSNR
from .clips import Clip

log = logging.getLogger(__name__)

GROUND_TRUTH = "ground-truth"
PER_CLIP = (
    "psnr",
    "psnr_nonkey",
    "psnr_new",
    "ssim",
    "mfd",
    "content",
    "style",
    "style_dist",
    "cfdci",
    "warp",
    "warp_long",
)
# psnr_new skips a clip whose non-key frames are less than 1 % unseen: too few pixels to measure
MIN_NEW = 0.01


@dataclass
class Result:
    """Everything measured for one (method, group)."""

    method: str
    label: str
    group: str
    clips: int = 0
    frames: int = 0
    seconds: float = 0.0
    metrics: dict[str, float | None] = field(default_factory=dict)

    @property
    def s_per_frame(self) -> float | None:
        return self.seconds / self.frames if self.frames else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "label": self.label,
            "group": self.group,
            "clips": self.clips,
            "frames": self.frames,
            "s_per_frame": self.s_per_frame,
            **self.metrics,
        }


class _GroundTruth:
    name, label = GROUND_TRUTH, "the painted ground truth itself (reference for temporal metrics)"


@torch.inference_mode()
def evaluate(
    clips: Sequence[Clip],
    methods: Sequence[Callable],
    *,
    extractor: FeatureExtractor | None = None,
    long_term: int = 4,
    reference: bool = True,
    outputs: Callable[[str, Clip, torch.Tensor], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """Measure every method on every clip; returns one :class:`Result` per (method, group).

    ``extractor`` enables FD/KID (needs ground truth). ``reference=False`` skips measuring the
    ground truth itself (repeated evaluations of models on one split need it once). ``long_term`` is k of the long-term warping
    error (frame t against t + k). ``outputs(method, clip, frames)`` sees every output (previews).
    """
    has_truth = all(c.target is not None for c in clips)
    runs = list(methods) + ([_GroundTruth()] if has_truth and reference else [])
    per_clip: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
    timing: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    dist: dict[tuple[str, str], DistributionMetrics] = {}
    for i, clip in enumerate(clips):
        flows = clip_flows(clip.footage)
        t = clip.footage.shape[0]
        long_flows = long_term_flows(clip.footage, k=long_term) if t > long_term else None
        for m in runs:
            start = time.perf_counter()
            if m.name == GROUND_TRUTH:
                out = clip.target
            else:
                out = m(clip.painting, clip.footage, keyframe=clip.keyframe).float().clamp(0, 1)
            seconds = time.perf_counter() - start
            if outputs is not None:
                outputs(m.name, clip, out)
            scores = _clip_scores(
                out, clip, (flows, long_flows), long_term, truth=m.name != GROUND_TRUTH
            )
            for group in (clip.role, "all"):
                key = (m.name, group)
                per_clip[key].append(scores)
                timing[key][0] += seconds
                timing[key][1] += out.shape[0]
                if extractor is not None and has_truth and m.name != GROUND_TRUTH:
                    if key not in dist:
                        dist[key] = DistributionMetrics(extractor)
                    dist[key].update(clip.target, real=True)
                    dist[key].update(out, real=False)
        if on_progress:
            on_progress(i + 1, len(clips))
    results = []
    for m in runs:
        for group in ("keyframe", "style", "all"):
            key = (m.name, group)
            if key not in per_clip:
                continue
            r = Result(
                m.name,
                getattr(m, "label", m.name),
                group,
                clips=len(per_clip[key]),
                frames=int(timing[key][1]),
                seconds=0.0 if m.name == GROUND_TRUTH else timing[key][0],
            )
            r.metrics = _mean(per_clip[key])
            if key in dist:
                d = dist[key].compute()
                r.metrics.update(fd=d["fd"], kid=d["kid"], kid_std=d["kid_std"])
            results.append(r)
    return results


def _clip_scores(
    out: torch.Tensor, clip: Clip, all_flows, long_term: int, *, truth: bool
) -> dict[str, float]:
    flows, long_flows = all_flows  # the footage's, shared by every method on this clip
    fusion = fusion_degree(out, clip.footage, clip.painting)
    s = {
        "mfd": fusion["mfd"],
        "content": fusion["content"],
        "style": fusion["style"],
        "cfdci": coupling_index(out, clip.footage, flows=flows),
        "warp": warp_error(out, clip.footage, flows=flows),
    }
    if clip.keyframe is None:  # the style role: how close the look is to the reference's
        s["style_dist"] = style_distance(out, clip.painting)
    if out.shape[0] > long_term:
        s["warp_long"] = long_term_warp_error(out, clip.footage, k=long_term, flows=long_flows)
    if clip.target is not None and truth:
        s["psnr"] = psnr(out, clip.target)
        others = [t for t in range(out.shape[0]) if t != clip.keyframe]
        if clip.keyframe is not None and others:  # the painted frame itself is known, not rendered
            s["psnr_nonkey"] = psnr(out[others], clip.target[others])
            if clip.seen is not None:
                new = _psnr_unseen(out[others], clip.target[others], clip.seen[others])
                if new is not None:
                    s["psnr_new"] = new
        s["ssim"] = ssim(out, clip.target)
    return s


def _psnr_unseen(out: torch.Tensor, target: torch.Tensor, seen: torch.Tensor) -> float | None:
    """PSNR of the squared error pooled over all pixels the keyframe never showed (docs/metrics.md).

    None when fewer than ``MIN_NEW`` of the pixels are unseen. Pooled, not a mean of per-frame
    values: a frame with a few unseen pixels would otherwise weigh as much as one mostly new.
    """
    unseen = ~seen  # (T, 1, H, W)
    count = int(unseen.sum())
    if count < MIN_NEW * unseen.numel():
        return None
    mse = float(((out - target).square() * unseen).sum()) / (3 * count)
    return min(MAX_PSNR, 10 * math.log10(1 / mse)) if mse > 0 else MAX_PSNR


def _mean(rows: list[dict[str, float]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for k in PER_CLIP:
        vals = [r[k] for r in rows if k in r]
        out[k] = sum(vals) / len(vals) if vals else None
    return out
