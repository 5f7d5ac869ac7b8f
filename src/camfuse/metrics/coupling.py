"""CFDCI, the cross-modal feature dynamic coupling index: does the output move like the footage?

The paper reports CFDCI without defining it; this definition is ours. The "dynamic features" are
the optical flows between consecutive frames (OpenCV DIS, :mod:`camfuse.guide.flow`) of the output and
of the input footage, and the index is their normalised inner product over every pixel and frame
pair. Unlike a cosine similarity it also penalises a wrong magnitude: an output moving half as
fast as the footage scores 0.5, not 1.
"""

from __future__ import annotations

import torch

from ..guide.flow import estimate_flow
from ._common import check_flows, check_pair, single_thread

STILL = 1e-4  # px² per pixel: below this mean squared flow both clips count as still


@single_thread()
def coupling_index(
    output: torch.Tensor,
    footage: torch.Tensor,
    *,
    flows: tuple[torch.Tensor, torch.Tensor] | None = None,
) -> float:
    """CFDCI = Σ_{t,x} ⟨f_t^out(x), f_t^in(x)⟩ / Σ_{t,x} max(|f_t^out(x)|², |f_t^in(x)|²), in [−1, 1].

    f_t = backward flow from frame t to frame t−1 (t = 1..T−1) of the output and of the footage.
    Higher is better: 1 when the output moves exactly like the footage, about 0 for a still
    output (or motion unrelated to the footage), negative for motion against it. The range
    follows from |⟨a, b⟩| <= |a||b| <= max(|a|², |b|²). ``flows`` = (footage backward flow
    (T−1, 2, H, W), mask) as from :func:`camfuse.guide.flow.clip_flows` reuses the footage flow (the
    mask is not used). When neither clip moves (mean denominator < ``STILL`` px², including
    T < 2) the output follows the still footage perfectly: 1.0.
    """
    output, footage = check_pair(output, footage, ("output", "footage"))
    if output.shape[0] < 2:
        return 1.0
    if flows is not None:
        f_in = check_flows(flows, footage)[0]
    else:
        f_in = estimate_flow(footage[1:], footage[:-1])
    f_out = estimate_flow(output[1:], output[:-1])
    num = (f_out * f_in).sum(1)  # (T-1, H, W)
    den = torch.maximum(f_out.pow(2).sum(1), f_in.pow(2).sum(1))
    if float(den.mean()) < STILL:
        return 1.0
    return float(num.sum() / den.sum())
