"""Per-frame fidelity to a reference: PSNR and SSIM (torchmetrics implementations).

Both compare ``pred`` with ``target`` frame by frame (N, 3, H, W) in [0, 1]; they need ground truth,
which the synthetic generator provides (``target``). Higher is better for both.
"""

from __future__ import annotations

import torch
from torchmetrics.functional.image import (
    peak_signal_noise_ratio,
    structural_similarity_index_measure,
)

from ._common import check_pair, single_thread

MAX_PSNR = 100.0  # dB reported for identical frames (MSE 0), so averages stay finite


def psnr_per_frame(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) pair in [0, 1] -> (N,) PSNR_n = 10 log10(1 / MSE_n) in dB, data range 1,
    MSE_n over frame n's pixels and channels; identical frames score ``MAX_PSNR``, not infinity."""
    per_frame = peak_signal_noise_ratio(
        pred.float(), target.float(), data_range=1.0, reduction="none", dim=(1, 2, 3)
    )
    return per_frame.clamp(max=MAX_PSNR)


@single_thread()
def psnr(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Mean over frames of :func:`psnr_per_frame`; in [0, 100] dB, higher better."""
    pred, target = check_pair(pred, target, ("pred", "target"))
    return float(psnr_per_frame(pred, target).mean())


@single_thread()
def ssim(pred: torch.Tensor, target: torch.Tensor) -> float:
    """Mean SSIM (Wang et al. 2004) over frames and pixels; in [-1, 1], higher better (1 = equal).

    SSIM(x, y) = (2 μx μy + C1)(2 σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)), local statistics
    under an 11×11 Gaussian window (σ = 1.5), C1 = 0.01², C2 = 0.03² (data range 1), averaged over
    the RGB channels. Frames need H, W >= 11.
    """
    pred, target = check_pair(pred, target, ("pred", "target"))
    if min(pred.shape[-2:]) < 11:
        raise ValueError(f"ssim needs frames of at least 11x11 px, got {tuple(pred.shape[-2:])}")
    value = structural_similarity_index_measure(
        pred, target, gaussian_kernel=True, kernel_size=11, sigma=1.5, data_range=1.0
    )
    return float(value)
