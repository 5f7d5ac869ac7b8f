"""Parameter-perturbation robustness: how gracefully a trained model degrades when its weights move.

The paper claims dynamic modality weighting is more robust to parameter perturbation than static
weighting. We test it directly: every parameter tensor w is replaced by w ⊙ (1 + σ·ε), ε ~ N(0, 1)
drawn independently per element from a generator seeded by (seed, σ, draw), and the perturbed
model's PSNR is measured on the same clips. Buffers (BatchNorm statistics) are left alone: they
are not weights.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch

from ..metrics import psnr
from .clips import Clip

SIGMAS = (0.0, 0.01, 0.02, 0.05, 0.1)
DRAWS = 3


def perturbed(model: torch.nn.Module, sigma: float, *, seed: int) -> torch.nn.Module:
    """A copy of ``model`` with every parameter multiplied by (1 + sigma * N(0, 1))."""
    out = copy.deepcopy(model)
    if sigma == 0:
        return out
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in out.parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32).to(p.device, p.dtype)
            p.mul_(1 + sigma * noise)
    return out


@torch.inference_mode()
def robustness(
    model: torch.nn.Module,
    clips: Sequence[Clip],
    make_method,
    *,
    sigmas: Sequence[float] = SIGMAS,
    draws: int = DRAWS,
    seed: int = 0,
) -> list[dict[str, float]]:
    """PSNR on ``clips`` for every (sigma, draw); ``make_method(model)`` wraps a model as a Method.

    sigma 0 is measured once (it is deterministic). Rows: {"sigma", "draw", "psnr"}.
    """
    rows = []
    for i, sigma in enumerate(sigmas):
        for d in range(1 if sigma == 0 else draws):
            m = make_method(perturbed(model, sigma, seed=seed * 1_000_003 + i * 101 + d))
            scores = [
                psnr(m(c.painting, c.footage, keyframe=c.keyframe).float().clamp(0, 1), c.target)
                for c in clips
            ]
            rows.append({"sigma": sigma, "draw": d, "psnr": sum(scores) / len(scores)})
    return rows
