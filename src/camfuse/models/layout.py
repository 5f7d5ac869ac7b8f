"""Channel concatenation that feeds a convolution in the layout and dtype it will run in.

Inference runs the network channels-last under bf16 autocast where the CPU supports it
(:mod:`camfuse.render.runtime`). A plain ``torch.cat`` of a bf16 channels-last feature map with fp32
NCHW inputs (the frames, the guide) promotes to an fp32 NCHW result, which the convolution then
converts back to bf16 channels-last: two copies of a full-resolution tensor that cost a third of
the network's time at 256 px. Converting the parts first gives the convolution the very values it
would have computed itself. In training (fp32, NCHW, no autocast) this is a plain ``torch.cat``.
"""

from __future__ import annotations

import torch


def memory_format(weight: torch.Tensor) -> torch.memory_format:
    """The layout a convolution with this (O, I, kH, kW) weight runs in (kH, kW > 1: 1x1 kernels
    are contiguous in both layouts)."""
    cl = weight.is_contiguous(memory_format=torch.channels_last) and not weight.is_contiguous()
    return torch.channels_last if cl else torch.contiguous_format


def conv_cat(parts: list[torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    """``torch.cat(parts, dim=1)`` in the layout of the convolution weight ``like`` (a spatial
    kernel, see :func:`memory_format`) and, under autocast, the autocast dtype."""
    fmt = memory_format(like)
    device = parts[0].device.type
    dtype = torch.get_autocast_dtype(device) if torch.is_autocast_enabled(device) else None
    return torch.cat([p.to(dtype=dtype or p.dtype, memory_format=fmt) for p in parts], dim=1)
