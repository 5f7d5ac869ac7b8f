"""The decoder's spatial attention: exact up to max_tokens, linear in pixels above it."""

from __future__ import annotations

import pytest
import torch

from camfuse.models.decoder import TransformerDecoder, pooled_keys
from camfuse.models.inputs import painting_size


@pytest.mark.parametrize(("h", "w", "cap"), [(16, 16, 256), (32, 32, 1024), (36, 64, 1024),
                                             (5, 7, 4), (1, 40, 8)])  # fmt: skip
def test_pooled_keys_fit_the_cap_and_are_untouched_when_they_already_fit(h, w, cap):
    y = torch.randn(2, h * w, 8)
    k = pooled_keys(y, h, w, cap)
    assert k.shape[0] == 2 and k.shape[2] == 8 and k.shape[1] <= cap
    if h * w <= cap:
        assert k is y
    else:
        assert k.shape[1] > cap // 4  # pooled no further than needed
        const = torch.full_like(y, 3.0)  # edge blocks are partial: averages, padding not counted
        assert torch.allclose(pooled_keys(const, h, w, cap), torch.tensor(3.0))


def _decoder(max_tokens: int) -> TransformerDecoder:
    torch.manual_seed(0)
    return TransformerDecoder(
        width=16, heads=2, layers=1, mlp_ratio=2.0, dropout=0.0, max_frames=8,
        max_tokens=max_tokens,
    ).eval()  # fmt: skip


def test_decoder_is_exact_below_the_cap_and_bounded_above_it():
    x = torch.randn(1, 2, 16, 8, 12)  # (B, T, d, h, w): 96 tokens per frame
    painting = torch.randn(1, 20, 16)
    kf = torch.tensor([0])
    with torch.inference_mode():
        exact = _decoder(10**6)(x, painting, kf)
        same = _decoder(96)(x, painting, kf)
        pooled = _decoder(24)(x, painting, kf)
    assert torch.equal(exact, same)
    assert pooled.shape == exact.shape and torch.isfinite(pooled).all()
    assert not torch.allclose(pooled, exact, atol=1e-4)
    assert torch.allclose(pooled, exact, atol=0.5)  # an approximation of the same attention


def test_painting_size_bounds_the_painting_tokens_and_keeps_the_aspect():
    assert painting_size((256, 256), 1024) == (256, 256)
    assert painting_size((512, 512), 1024) == (512, 512)
    w, h = painting_size((1024, 576), 1024)
    assert (w // 16) * (h // 16) <= 1024 and w % 16 == 0 and h % 16 == 0
    assert abs(w / h - 1024 / 576) < 0.1 and w * h > 0.8 * 1024 * 256
    assert painting_size((4096, 64), 8) == (64, 32)  # degenerate: at least 2 tokens a side
