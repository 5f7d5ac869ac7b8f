"""Style distance: how far a clip's look is from the reference's, on pretrained image features.

Per frame, the channel-wise mean and standard deviation of ImageNet EfficientNet-Lite0 features
(:mod:`camfuse.models.pretrained`) at strides 4, 8 and 16 (the statistics AdaIN matches, Huang &
Belongie, ICCV 2017; a common style distance for arbitrary style transfer), each compared with the
reference's by mean absolute difference divided by the mean magnitude of the reference's own
statistics (so each stride weighs alike), averaged over strides and frames. 0 means the frame has
the reference's feature statistics; the footage itself scores around 0.5-1 against a painting.

Caveat: camfuse's style keys (:mod:`camfuse.render.style_key`) are optimised on the same network's
features (softmax-smoothed Gram matrices at strides 2-16, a different statistic); this metric uses
raw (not smoothed) means and standard deviations and leaves out stride 2, but it is not an
independent judge. docs/metrics.md says so beside the numbers.
"""

from __future__ import annotations

import functools

import torch

from ._common import check_images, single_thread

STRIDES = (4, 8, 16)
MAX_SIDE = 384  # px: larger frames are scaled down first (the statistics are about marks, not size)


@functools.cache
def _features():
    from ..models.pretrained import PretrainedFeatures

    return PretrainedFeatures(strides=STRIDES)


def _stats(images: torch.Tensor) -> list[torch.Tensor]:
    x = images.float().cpu()
    scale = MAX_SIDE / max(x.shape[-2:])
    if scale < 1:
        x = torch.nn.functional.interpolate(x, scale_factor=scale, mode="area")
    out = []
    with torch.no_grad():
        for f in _features()(x):
            out.append(torch.cat([f.mean((2, 3)), f.std((2, 3))], 1))  # (N, 2C)
    return out


@single_thread()
def style_distance(output: torch.Tensor, painting: torch.Tensor) -> float:
    """``output`` (T, 3, H, W), ``painting`` (3, H', W'), both in [0, 1] -> distance >= 0 (lower
    is closer to the painting's style)."""
    check_images(output, "output")
    ref = _stats(painting[None])
    total = 0.0
    for t in range(0, output.shape[0], 8):
        for s, r in zip(_stats(output[t : t + 8]), ref, strict=True):
            total += float(((s - r).abs().mean(1) / r.abs().mean().clamp_min(1e-6)).sum())
    return total / (output.shape[0] * len(STRIDES))


__all__ = ["STRIDES", "style_distance"]
