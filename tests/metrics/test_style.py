"""The style distance (metrics/style.py)."""

from __future__ import annotations

import pytest
import torch

from camfuse.metrics import style_distance


def _hatching(size: int = 64) -> torch.Tensor:
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    stripes = (((xx + yy) // 3) % 2).float()
    return torch.stack([0.2 + 0.7 * stripes, 0.3 * stripes, 0.8 - 0.6 * stripes])


def test_the_reference_itself_is_at_distance_zero_and_other_images_are_not(one_thread):
    ref = _hatching()
    assert style_distance(ref[None].repeat(3, 1, 1, 1), ref) == pytest.approx(0, abs=1e-6)
    g = torch.Generator().manual_seed(0)
    smooth = torch.nn.functional.interpolate(torch.rand(2, 3, 4, 4, generator=g), size=64,
                                             mode="bilinear")  # fmt: skip
    assert style_distance(smooth, ref) > 0.2


def test_closer_looks_score_lower(one_thread):
    ref = _hatching()
    g = torch.Generator().manual_seed(1)
    smooth = torch.nn.functional.interpolate(torch.rand(1, 3, 4, 4, generator=g), size=64,
                                             mode="bilinear")  # fmt: skip
    half = 0.5 * smooth + 0.5 * ref[None]
    assert style_distance(half, ref) < style_distance(smooth, ref)


def test_bad_input_is_one_line_error():
    with pytest.raises(ValueError, match="output"):
        style_distance(torch.rand(3, 8, 8), torch.rand(3, 8, 8))
