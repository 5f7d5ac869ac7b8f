"""Image statistics shared by the fusion-degree metric: luminance, gradients, patch features, and
the sliced Wasserstein distance with fixed random projections (deterministic across runs)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

PROJECTIONS = 64  # random directions per sliced distance
QUANTILES = 128  # points of each 1-D distribution compared
MAX_SAMPLES = 16384  # fixed random subset of the samples (torch.quantile has a size limit)
SEED = 0


def luminance(x: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) RGB -> (N, 1, H, W) Rec. 601 luma."""
    return 0.299 * x[:, :1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


def gradients(y: torch.Tensor) -> torch.Tensor:
    """(N, 1, H, W) -> (N, 2, H, W) Sobel derivatives d/dx, d/dy per pixel (replicated border)."""
    kx = torch.tensor([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]], device=y.device) / 8
    kernel = torch.stack([kx, kx.T])[:, None]  # (2, 1, 3, 3)
    return F.conv2d(F.pad(y, (1, 1, 1, 1), mode="replicate"), kernel.to(y.dtype)) * 2


def patch_features(x: torch.Tensor, scale: int) -> torch.Tensor:
    """(N, 3, H, W) -> (P, 9) zero-mean 3×3 luminance patches after scale×scale average pooling."""
    y = luminance(x)
    if scale > 1:
        y = F.avg_pool2d(y, scale)
    p = F.unfold(y, 3).transpose(1, 2).reshape(-1, 9)
    return p - p.mean(1, keepdim=True)


def sliced_wasserstein(a: torch.Tensor, b: torch.Tensor) -> float:
    """SW₁(a, b) for samples a (Na, D), b (Nb, D): mean over unit directions θ_j of
    ∫₀¹ |F⁻¹_{a·θ_j}(q) − F⁻¹_{b·θ_j}(q)| dq, on ``QUANTILES`` evenly spaced quantiles.

    The ``PROJECTIONS`` directions are drawn from a generator seeded with ``SEED``, so the value
    is deterministic; in the units of the samples, >= 0, 0 for equal distributions.
    """
    gen = torch.Generator().manual_seed(SEED)
    theta = F.normalize(torch.randn(a.shape[1], PROJECTIONS, generator=gen), dim=0)
    theta = theta.to(a.device, a.dtype)
    q = torch.linspace(0, 1, QUANTILES, device=a.device, dtype=a.dtype)
    qa = torch.quantile(_subsample(a) @ theta, q, dim=0)
    qb = torch.quantile(_subsample(b) @ theta, q, dim=0)
    return float((qa - qb).abs().mean())


def _subsample(x: torch.Tensor) -> torch.Tensor:
    if x.shape[0] <= MAX_SAMPLES:
        return x
    gen = torch.Generator().manual_seed(SEED)
    return x[torch.randperm(x.shape[0], generator=gen)[:MAX_SAMPLES].to(x.device)]
