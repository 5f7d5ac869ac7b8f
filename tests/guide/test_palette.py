"""camfuse.guide.palette: iterative distribution transfer, fitted once and applied per pixel."""

from __future__ import annotations

import pytest
import torch

from camfuse.guide.palette import ITERATIONS, QUANTILES, Palette, fit_palette


def _rand(seed: int, *shape: int) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.fixture(scope="module")
def source() -> torch.Tensor:
    """A dark, grey-ish finished frame."""
    return _rand(0, 3, 48, 48) ** 2 * 0.6


@pytest.fixture(scope="module")
def painting() -> torch.Tensor:
    """A warm reference of another size, with channels of different spreads and shapes."""
    p = _rand(1, 3, 40, 56)
    return torch.stack([0.5 + 0.5 * p[0], 0.2 + 0.3 * p[1].sqrt(), 0.4 * p[2]])


@pytest.fixture(scope="module")
def palette(source, painting) -> Palette:
    return fit_palette(source, painting)


def _quantiles(x: torch.Tensor) -> torch.Tensor:
    return torch.quantile(x.reshape(3, -1), torch.linspace(0, 1, 101), dim=1)  # (101, 3)


def test_fitted_shapes(palette):
    assert palette.rotations.shape == (ITERATIONS, 3, 3)
    assert palette.source.shape == palette.target.shape == (ITERATIONS, 3, QUANTILES)
    eye = torch.eye(3).expand(ITERATIONS, 3, 3)
    torch.testing.assert_close(palette.rotations @ palette.rotations.mT, eye, atol=1e-5, rtol=0)


def test_moves_the_colour_distribution_onto_the_painting(source, painting, palette):
    out = palette(source)
    for stat in (lambda x: x.reshape(3, -1).mean(1), lambda x: x.reshape(3, -1).std(1)):
        before = (stat(source) - stat(painting)).abs().max()
        after = (stat(out) - stat(painting)).abs().max()
        assert after < 0.01 and after < 0.05 * before, (float(after), float(before))
    before = (_quantiles(source) - _quantiles(painting)).abs().mean()
    after = (_quantiles(out) - _quantiles(painting)).abs().mean()
    assert after < 0.01 and after < 0.05 * before, (float(after), float(before))


def test_one_function_per_pixel_whatever_the_frame(source, palette):
    clip = torch.stack([source, source.roll(5, -1).flip(-2), _rand(2, 3, 48, 48)])  # (T, 3, H, W)
    clip[2, :, 0, 0] = clip[0, :, 7, 9]  # one colour in two frames, at two places
    out = palette(clip)
    single = palette(source)
    assert single.shape == source.shape
    assert torch.equal(out[0], single)  # a frame does not depend on the rest of the clip
    assert torch.equal(out[1], single.roll(5, -1).flip(-2))  # a pixel does not depend on its place
    assert torch.equal(out[2, :, 0, 0], out[0, :, 7, 9])


def test_deterministic_for_a_seed_also_when_subsampled(source, painting, monkeypatch):
    import camfuse.guide.palette as palette_module

    monkeypatch.setattr(palette_module, "MAX_PIXELS", 1024)  # the 48x48 source is subsampled
    before = source.clone(), painting.clone()
    a, b = fit_palette(source, painting), fit_palette(source, painting)
    assert torch.equal(source, before[0]) and torch.equal(painting, before[1])  # inputs untouched
    for field in ("rotations", "source", "target"):
        assert torch.equal(getattr(a, field), getattr(b, field))
    assert not torch.equal(fit_palette(source, painting, seed=1).rotations, a.rotations)
    # a subsample is plenty: the distribution still lands on the painting's
    assert (_quantiles(a(source)) - _quantiles(painting)).abs().mean() < 0.02


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_range_shape_and_dtype_kept(palette, dtype):
    frames = _rand(3, 2, 3, 32, 48).to(dtype)
    frames[0, :, :4] = 0  # colours beyond what the fit saw
    frames[1, :, :4] = 1
    out = palette(frames)
    assert out.shape == frames.shape and out.dtype == dtype
    assert 0 <= out.min() and out.max() <= 1 and torch.isfinite(out).all()


def test_a_one_colour_painting_paints_everything_that_colour(source):
    colour = torch.tensor([0.8, 0.2, 0.4])
    flat = colour[:, None, None].expand(3, 16, 16)
    out = fit_palette(source, flat)(source)
    torch.testing.assert_close(out, colour[:, None, None].expand_as(out), atol=1e-4, rtol=0)
