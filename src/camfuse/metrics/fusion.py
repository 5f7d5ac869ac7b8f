"""MFD, the multimodal fusion degree: does the output keep the footage's content *and* take on the
painting's style?

The paper reports MFD without defining it; this definition is ours. It is the harmonic mean of

- content fidelity: structural similarity between the luminance gradients of output and
  footage, at several scales (colour and texture may change, edges and shapes should stay);
- style fidelity: closeness of the output's colour and multi-scale texture statistics to the
  painting's, as exp(−sliced Wasserstein distance / τ); statistics are pooled over all frames
  and compared as distributions, so the painting may show entirely different content.

so it is high only when both are: returning the footage unchanged (content 1, style low) and
returning the painting (style 1, content low) both score low. Caveat: the style term compares
global colour and local texture statistics with no semantic features (no pretrained network is
available offline), so it is dominated by colour; a style reference whose colours differ widely
from the footage's under the same painter separates the painted frames from the footage only
weakly (see docs/metrics.md).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torchmetrics.functional.image import structural_similarity_index_measure as ssim

from ._common import check_images, check_pair, single_thread
from ._stats import gradients, luminance, patch_features, sliced_wasserstein

TAU = 0.05  # calibrated on generator samples, see docs/metrics.md
SCALES = (1, 2, 4)  # average-pooling factors for the multi-scale terms
MIN_SIDE = 16  # px: coarser scales than this are skipped


@single_thread()
def fusion_degree(
    output: torch.Tensor, footage: torch.Tensor, painting: torch.Tensor, *, tau: float = TAU
) -> dict[str, float]:
    """{"mfd", "content", "style"}, each in [0, 1], higher is better.

    MFD = 2 C S / (C + S) (0 when both are 0) with C = :func:`content_fidelity` (output vs footage,
    (T, 3, H, W) each) and S = :func:`style_fidelity` (output vs painting (3, Hp, Wp), any size).
    """
    content = content_fidelity(output, footage)
    style = style_fidelity(output, painting, tau=tau)
    total = content + style
    mfd = 2 * content * style / total if total > 0 else 0.0
    return {"mfd": mfd, "content": content, "style": style}


@single_thread()
def content_fidelity(output: torch.Tensor, footage: torch.Tensor) -> float:
    """C = mean over scales s of max(0, SSIM(G_s(output), G_s(footage))), in [0, 1].

    G_s = the gradient field (∂Y/∂x, ∂Y/∂y) (Sobel, per pixel, two channels) of the luminance
    Y = 0.299 R + 0.587 G + 0.114 B after s×s average pooling, s in {1, 2, 4} while the pooled
    side is >= 16 px; SSIM with a Gaussian window (11 px, σ 1.5; 7 px, σ 1 below 32 px), data
    range 1, averaged over channels, pixels and frames. Signed gradients average to ~0 locally, so
    SSIM is mostly its contrast × structure (local correlation) terms: 1 = same edges, unrelated
    content about 0. Frames need H, W >= 7.
    """
    output, footage = check_pair(output, footage, ("output", "footage"))
    if min(output.shape[-2:]) < 7:
        raise ValueError(f"frames must be at least 7x7 px, got {tuple(output.shape[-2:])}")
    values = []
    for s in _scales(output.shape[-2:]):
        a, b = (gradients(_pool(luminance(x), s)) for x in (output, footage))
        kernel, sigma = (11, 1.5) if min(a.shape[-2:]) >= 32 else (7, 1.0)
        value = ssim(a, b, gaussian_kernel=True, kernel_size=kernel, sigma=sigma, data_range=1.0)
        values.append(max(0.0, float(value)))
    return sum(values) / len(values)


@single_thread()
def style_fidelity(output: torch.Tensor, painting: torch.Tensor, *, tau: float = TAU) -> float:
    """S = exp(−(D_colour + D_texture) / τ), in (0, 1]; 1 = the painting's statistics.

    D_colour = SW₁ between the RGB pixels of all output frames and of the painting;
    D_texture = mean over scales s of SW₁ between zero-mean 3×3 luminance patches after s×s
    average pooling. SW₁ is the sliced 1-Wasserstein distance (:func:`sliced_wasserstein`). The
    painting is first resized (area-preserving antialiasing) to the frames' height, aspect kept,
    so that texture is compared at the scale it would have in a frame.
    """
    if tau <= 0:
        raise ValueError(f"tau must be > 0, got {tau}")
    output = check_images(output, "output")
    if painting.dim() != 3 or painting.shape[0] != 3:
        raise ValueError(f"painting must be a (3, H, W) tensor, got {tuple(painting.shape)}")
    paint = _match_height(check_images(painting[None], "painting").to(output.device), output)
    d_colour = sliced_wasserstein(_pixels(output), _pixels(paint))
    d_texture = [
        sliced_wasserstein(patch_features(output, s), patch_features(paint, s))
        for s in _scales(output.shape[-2:])
    ]
    return math.exp(-(d_colour + sum(d_texture) / len(d_texture)) / tau)


def _scales(hw: torch.Size) -> list[int]:
    return [s for s in SCALES if s == 1 or min(hw) // s >= MIN_SIDE]


def _pool(x: torch.Tensor, s: int) -> torch.Tensor:
    return F.avg_pool2d(x, s) if s > 1 else x


def _pixels(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1).reshape(-1, 3)


def _match_height(paint: torch.Tensor, frames: torch.Tensor) -> torch.Tensor:
    h = frames.shape[-2]
    if paint.shape[-2] == h:
        return paint
    w = max(1, round(paint.shape[-1] * h / paint.shape[-2]))
    return F.interpolate(paint, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
