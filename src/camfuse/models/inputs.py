"""The sizes the model accepts, and images brought to them (for rendering, evaluation, baselines).

The trunk's stride is 16, so both sides of every input are multiples of 16, at least 32 px (two
stride-16 tokens a side). The painting's attention is bounded like the decoder's: above
``model.max_tokens`` stride-16 tokens it is encoded at a smaller size (:func:`painting_size`).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

MIN_SIZE = 32  # below 32 the stride-16 trunk has 2 tokens a side


def model_size(width: int, height: int, size: int) -> tuple[int, int]:
    """(w, h) with the long side ``size`` and the aspect kept, both multiples of 16, >= 32."""
    r16 = lambda x: max(MIN_SIZE, int(round(x / 16)) * 16)  # noqa: E731
    if width >= height:
        return r16(size), r16(size * height / width)
    return r16(size * width / height), r16(size)


def painting_size(size: tuple[int, int], max_tokens: int) -> tuple[int, int]:
    """(w, h) the painting is encoded at: ``size`` when its stride-16 tokens fit ``max_tokens``,
    else scaled down, aspect kept, to the largest multiple-of-16 size that fits."""
    w, h = size
    if (w // 16) * (h // 16) <= max_tokens:
        return size
    scale = (max_tokens / ((w // 16) * (h // 16))) ** 0.5
    tw, th = max(2, int(w // 16 * scale)), max(2, int(h // 16 * scale))
    while tw * th > max_tokens and max(tw, th) > 2:
        tw, th = (tw - 1, th) if tw >= th else (tw, th - 1)
    return tw * 16, th * 16


def fit_image(x: torch.Tensor, size: tuple[int, int], *, crop: bool = False) -> torch.Tensor:
    """float (3, H, W) -> (3, h, w) at ``size`` (w, h), as the model sees it (also for baselines)."""
    if crop:  # a style reference of another shape: crop, do not distort
        h, w = x.shape[1:]
        tw, th = size
        if w * th > h * tw:
            cw = max(1, round(h * tw / th))
            x = x[:, :, (w - cw) // 2 : (w - cw) // 2 + cw]
        else:
            ch = max(1, round(w * th / tw))
            x = x[:, (h - ch) // 2 : (h - ch) // 2 + ch]
    return F.interpolate(
        x[None], size=(size[1], size[0]), mode="bilinear", antialias=True, align_corners=False
    )[0]


def to_uint8(image: torch.Tensor) -> np.ndarray:
    """float (3, H, W) in [0, 1] -> uint8 (H, W, 3), the render pipeline's image boundary."""
    return (
        (image.detach().float().clamp(0, 1) * 255)
        .round()
        .to(torch.uint8)
        .permute(1, 2, 0)
        .cpu()
        .numpy()
    )


__all__ = ["MIN_SIZE", "fit_image", "model_size", "painting_size", "to_uint8"]
