"""Detail ratio: how much of the ground truth's fine brushwork an output keeps.

PSNR and SSIM reward a blurred output that sits between the possible stroke placements, so they
cannot tell "the paint-over's strokes at full resolution" from "the same paint scaled up from
256 px". The detail ratio measures that directly: the high-frequency energy of the output over
the ground truth's, on luminance.

    HF(I) = Σ_x (Y(x) − (G_σ * Y)(x))²,   Y = 0.2126 R + 0.7152 G + 0.0722 B (Rec. 709)
    detail = Σ_t HF(O_t) / Σ_t HF(T_t)

G_σ is a Gaussian blur with σ = 1.5 px (taps to ±⌈3σ⌉, reflected borders). Its transfer function
halves at about 0.125 cycles/px, so HF counts features a few pixels across: the strokes and edges
a 256-px render loses once scaled up 2.5× (bikes) to 5× (bigbuckbunny). 1 = as much detail as the
truth, < 1 smoother (blur, upscaling), > 1 more high-frequency content (noise, aliasing, footage
texture showing through). It says nothing about *where* the detail is: pair it with PSNR/SSIM.

Caveat: energies are pooled over the clip's frames (a ratio of sums, not a mean of per-frame
ratios), so a frame with little detail does not dominate.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._common import check_pair, single_thread

DETAIL_SIGMA = 1.5  # px; see the module docstring
_LUMA = (0.2126, 0.7152, 0.0722)  # Rec. 709
_FLAT = 1e-10  # HF energy per pixel below which a truth counts as flat


def _gaussian(sigma: float) -> torch.Tensor:
    radius = math.ceil(3 * sigma)
    x = torch.arange(-radius, radius + 1, dtype=torch.float32)
    k = torch.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def high_frequency(images: torch.Tensor, *, sigma: float = DETAIL_SIGMA) -> torch.Tensor:
    """(N, 3, H, W) in [0, 1] -> (N,) HF energy per frame: Σ_x (Y − G_σ * Y)² (module docstring)."""
    if sigma <= 0:
        raise ValueError(f"sigma must be > 0, got {sigma}")
    k = _gaussian(sigma).to(images.device)
    r = k.numel() // 2
    if min(images.shape[-2:]) <= r:
        raise ValueError(
            f"detail needs frames larger than {r} px on each side, got {tuple(images.shape[-2:])}"
        )
    luma = torch.tensor(_LUMA, device=images.device).view(1, 3, 1, 1)
    y = (images * luma).sum(1, keepdim=True)  # (N, 1, H, W)
    blur = F.conv2d(F.pad(y, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))  # along x
    blur = F.conv2d(F.pad(blur, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1))  # along y
    return (y - blur).square().sum((1, 2, 3))


@single_thread()
def detail_ratio(
    output: torch.Tensor, truth: torch.Tensor, *, sigma: float = DETAIL_SIGMA
) -> float:
    """Σ_t HF(output_t) / Σ_t HF(truth_t) over (N, 3, H, W) clips; >= 0, 1 = the truth's detail.

    ValueError when the truth has no high-frequency energy at all (a flat clip: undefined)."""
    output, truth = check_pair(output, truth, ("output", "truth"))
    den = float(high_frequency(truth, sigma=sigma).sum())
    if (
        den <= _FLAT * truth[:, 0].numel()
    ):  # float32 rounding leaves ~1e-14 per pixel of a flat image
        raise ValueError("detail ratio is undefined: the ground truth has no high-frequency energy")
    return float(high_frequency(output, sigma=sigma).sum()) / den
