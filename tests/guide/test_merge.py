"""camfuse.guide.merge: two carried paint-overs merged by weight, with their detail's contrast kept."""

from __future__ import annotations

import torch

from camfuse.guide.merge import box_blur, merge_pair


def _texture(seed: int, h: int = 48, w: int = 48) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return 0.5 + 0.2 * (torch.rand(3, h, w, generator=g) - 0.5)


def test_one_sided_weights_return_that_candidate_exactly():
    a, b = _texture(0), _texture(1)
    ones, zeros = torch.ones(1, 48, 48), torch.zeros(1, 48, 48)
    torch.testing.assert_close(merge_pair(a, b, ones, zeros, 3), a, atol=1e-6, rtol=0)
    torch.testing.assert_close(merge_pair(a, b, zeros, 0.3 * ones, 3), b, atol=1e-6, rtol=0)


def test_the_same_candidate_twice_comes_back_unchanged():
    a = _texture(2)
    half = torch.full((1, 48, 48), 0.5)
    torch.testing.assert_close(merge_pair(a, a.clone(), half, half, 3), a, atol=1e-5, rtol=0)


def _detail_energy(x: torch.Tensor) -> float:
    return float((x - box_blur(x, 3))[:, 6:-6, 6:-6].square().mean())


def test_unrelated_textures_keep_their_contrast_where_a_plain_mean_halves_it():
    a, b = _texture(3), _texture(4)
    half = torch.full((1, 48, 48), 0.5)
    merged = merge_pair(a, b, half, half, 3)
    plain = 0.5 * (a + b)
    each = (_detail_energy(a) + _detail_energy(b)) / 2
    assert _detail_energy(plain) < 0.6 * each  # the washed-out middle frames of a crossfade
    assert 0.8 * each < _detail_energy(merged) < 1.25 * each
    # the local mean is still the weighted mean: colours move smoothly from one key to the other
    torch.testing.assert_close(box_blur(merged, 3), box_blur(plain, 3), atol=0.02, rtol=0)


def test_weights_follow_trust_per_pixel():
    a, b = torch.zeros(3, 32, 32), torch.ones(3, 32, 32)
    wa = torch.ones(1, 32, 32)
    wb = torch.ones(1, 32, 32)
    wa[:, :, 16:] = 0  # a is not trusted on the right: b alone there
    out = merge_pair(a, b, wa, wb, 2)
    assert out[:, :, 20:].min() == 1
    torch.testing.assert_close(out[:, :, :12], torch.full((3, 32, 12), 0.5))
