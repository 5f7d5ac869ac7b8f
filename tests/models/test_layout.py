"""conv_cat: the convolution sees exactly the values a plain torch.cat would have given it."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from camfuse.models.layout import conv_cat, memory_format


def _parts():
    g = torch.Generator().manual_seed(0)
    feature = torch.randn(2, 8, 16, 16, generator=g)
    frames = torch.rand(2, 3, 16, 16, generator=g)  # fp32 NCHW, as the renderer passes them
    return feature, frames


@pytest.mark.parametrize("channels_last", [False, True])
def test_under_bf16_autocast_the_convolution_output_is_unchanged(channels_last):
    conv = nn.Conv2d(11, 4, 3, padding=1)
    if channels_last:
        conv = conv.to(memory_format=torch.channels_last)
    feature, frames = _parts()
    with torch.inference_mode(), torch.autocast("cpu", torch.bfloat16):
        feature = conv.weight.new_tensor(feature).to(
            torch.bfloat16
        )  # a bf16 map, as under autocast
        if channels_last:
            feature = feature.contiguous(memory_format=torch.channels_last)
        fmt = memory_format(conv.weight)
        joined = conv_cat([feature, frames], conv.weight)
        assert joined.dtype == torch.bfloat16
        assert joined.is_contiguous(memory_format=fmt)
        torch.testing.assert_close(
            conv(joined), conv(torch.cat([feature, frames], dim=1)), rtol=0, atol=0
        )


def test_without_autocast_it_is_torch_cat():
    feature, frames = _parts()
    out = conv_cat([feature, frames], nn.Conv2d(11, 4, 3).weight)  # NCHW
    assert torch.equal(out, torch.cat([feature, frames], dim=1)) and out.is_contiguous()


def test_the_layout_is_read_from_a_spatial_kernel():
    conv = nn.Conv2d(8, 8, 3)
    assert memory_format(conv.weight) == torch.contiguous_format
    conv = conv.to(memory_format=torch.channels_last)
    assert memory_format(conv.weight) == torch.channels_last
