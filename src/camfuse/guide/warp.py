"""Backward warping by a dense flow field (shared by the temporal loss, metrics and tests).

Convention (see ``camfuse.data.synth``): ``flow`` maps each pixel x of frame t to x + flow(x) in
frame t-1, so ``backward_warp(frame[t-1], flow[t-1]) ≈ frame[t]`` wherever x is not occluded.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def backward_warp(image: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """image (N, C, H, W), flow (N, 2, H, W) in pixels (dx, dy) -> image sampled at x + flow(x)."""
    n, _, h, w = image.shape
    ys, xs = torch.meshgrid(
        torch.arange(h, device=image.device, dtype=image.dtype),
        torch.arange(w, device=image.device, dtype=image.dtype),
        indexing="ij",
    )
    x = xs + flow[:, 0]
    y = ys + flow[:, 1]
    grid = torch.stack(
        [2 * x / max(w - 1, 1) - 1, 2 * y / max(h - 1, 1) - 1], dim=-1
    )  # (N, H, W, 2)
    return F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=True)
