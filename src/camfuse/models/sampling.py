"""The painting-sampling path: a per-pixel choice between sampled paint and synthesised paint.

Our extension of the paper's model (docs/model-card.md shows its ablation). The image head sees the
classical guide images of :mod:`camfuse.guide` (paint-over warped along the footage's flow, the
track's confidence, the footage recoloured towards the painting) and emits four channels per
pixel: an RGB residual and a blend logit. The frame is

    alpha * warped + (1 - alpha) * (recoloured + residual)

so the painting reaches the output along two routes, sampled where the track holds and synthesised
where it does not, and ``alpha`` is the finest level of the dynamic modality weighting: a per-pixel
weight of the painting's own pixels against paint made from the footage. The logit starts from a
prior set by the tracker's confidence (``PRIOR``), and the head's last layer starts at zero, so an
untrained network already renders "warp where trusted, recoloured footage elsewhere" and training
only has to learn corrections. ``alpha`` is 0 for clips without a paint-over (style role).

Caveat: paint for content the keyframe never showed is only as good as the residual the head
learns; in the style role everything is synthesised.
"""

from __future__ import annotations

import torch

PRIOR = 4.0  # logit at confidence 1 (alpha ~ 0.98) and -PRIOR at confidence 0 (alpha ~ 0.02)


def blend(
    raw: torch.Tensor,
    guide: torch.Tensor,
    tracked: torch.Tensor,
    painted: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """raw (N, 4, H, W) head output, guide (N, 7, H, W), tracked (N,) 1 = has a paint-over,
    painted (N,) 1 = this frame *is* the painted keyframe -> (frames (N, 3, H, W), alpha).

    The painted keyframe itself is passed through untouched (alpha = 1, and its guide is the
    paint-over at zero flow): the artist's own frame is shown as painted, as in EbSynth, instead of
    a 98 % mix of it."""
    warped, confidence, recoloured = guide[:, :3], guide[:, 3:4], guide[:, 4:]
    logit = raw[:, 3:4] + PRIOR * (2 * confidence - 1)
    alpha = torch.sigmoid(logit) * tracked.to(raw.dtype)[:, None, None, None]
    if painted is not None:
        alpha = torch.where(painted[:, None, None, None].bool(), torch.ones_like(alpha), alpha)
    synth = recoloured + raw[:, :3]
    return alpha * warped + (1 - alpha) * synth, alpha
