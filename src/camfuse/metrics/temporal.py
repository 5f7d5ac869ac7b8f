"""Temporal warping error (Lai et al., "Learning Blind Video Temporal Consistency", ECCV 2018).

The flow is estimated on the *footage* (OpenCV DIS, :mod:`camfuse.guide.flow`), never on the output, so
an output cannot lower its error by moving differently from the input: the output should change
between frames exactly as the footage's content moves. Occluded pixels are excluded with the
forward-backward consistency check of Sundaram et al. (ECCV 2010) that Lai et al. use.

Difference from Lai et al.: the squared error is averaged over the RGB channels (theirs sums them,
so their numbers are 3x ours) and there is no ×1000 display scaling.
"""

from __future__ import annotations

import torch

from ..guide.flow import clip_flows, consistency_mask, estimate_flow
from ..guide.warp import backward_warp
from ._common import check_flows, check_pair, single_thread

LONG_TERM_GAP = 5  # frames; ~0.2 s at 25 fps, beyond the reach of a 1-frame temporal loss


def _masked_warp_errors(
    later: torch.Tensor, earlier: torch.Tensor, flow: torch.Tensor, mask: torch.Tensor
) -> torch.Tensor:
    """Per pair: Σ_x M(x) mean_c (later − warp(earlier))² / Σ_x M(x); (P,) for P pairs.

    Pairs whose mask is empty (everything occluded) are dropped.
    """
    warped = backward_warp(earlier, flow)  # earlier seen from `later`'s pixel grid
    err = (later - warped).pow(2).mean(1, keepdim=True)  # (P, 1, H, W)
    area = mask.sum((1, 2, 3))
    per_pair = (err * mask).sum((1, 2, 3)) / area.clamp(min=1)
    return per_pair[area > 0]


@single_thread()
def warp_error(
    output: torch.Tensor,
    footage: torch.Tensor,
    *,
    flows: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> float:
    """Short-term warping error; >= 0 (at most 1), lower is better.

    E = 1/(T−1) Σ_{t=1}^{T−1} Σ_x M_t(x) ‖O_t(x) − Ô_{t−1}(x)‖² / (3 Σ_x M_t(x)), where
    Ô_{t−1}(x) = O_{t−1}(x + F_t(x)) is the previous output frame warped by the backward flow F_t of
    the footage (t -> t−1) and M_t its forward-backward consistency mask.

    ``flows`` = (F (T−1, 2, H, W), M (T−1, 1, H, W)), e.g. :func:`camfuse.guide.flow.clip_flows` of the
    footage computed once and shared between metrics; estimated here when None. A clip of fewer
    than 2 frames, or whose masks are all empty, has no pairs and scores 0.0.
    """
    output, footage = check_pair(output, footage, ("output", "footage"))
    if output.shape[0] < 2:
        return 0.0
    flow, mask = check_flows(flows, footage) if flows is not None else clip_flows(footage)
    errors = _masked_warp_errors(output[1:], output[:-1], flow, mask)
    return float(errors.mean()) if errors.numel() else 0.0


def long_term_flows(
    footage: torch.Tensor, *, k: int = LONG_TERM_GAP
) -> tuple[torch.Tensor, torch.Tensor]:
    """Footage (T, 3, H, W) -> (DIS flow from frame t+k to t, its forward-backward mask), the
    inputs of :func:`long_term_warp_error`; compute once per clip to score several outputs."""
    later, earlier = footage[k:], footage[:-k]
    flow = estimate_flow(later, earlier)
    return flow, consistency_mask(flow, estimate_flow(earlier, later))


@single_thread()
def long_term_warp_error(
    output: torch.Tensor,
    footage: torch.Tensor,
    *,
    k: int = LONG_TERM_GAP,
    flows: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> float:
    """Long-term warping error between frames k apart; >= 0 (at most 1), lower is better.

    E_k = 1/(T−k) Σ_{t=0}^{T−k−1} Σ_x M(x) ‖O_{t+k}(x) − O_t(x + F(x))‖² / (3 Σ_x M(x)), with F the
    DIS flow estimated directly from footage frame t+k to frame t (not chained: chaining
    accumulates error) and M its own forward-backward mask. Unlike Lai et al.'s long-term variant
    (first frame vs every later frame) every start frame counts, so the value does not hinge on
    frame 0. Clips shorter than k+1 frames use k = T−1; T < 2 scores 0.0. ``flows`` from
    :func:`long_term_flows` (same k) skips estimating them here.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    output, footage = check_pair(output, footage, ("output", "footage"))
    t = output.shape[0]
    if t < 2:
        return 0.0
    k = min(k, t - 1)
    flow, mask = flows if flows is not None else long_term_flows(footage, k=k)
    if flow.shape[0] != t - k:
        raise ValueError(f"long-term flows hold {flow.shape[0]} pairs, k={k} needs {t - k}")
    errors = _masked_warp_errors(output[k:], output[:-k], flow, mask)
    return float(errors.mean()) if errors.numel() else 0.0
