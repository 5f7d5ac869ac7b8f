"""camfuse.guide.colour: colour maps fitted on aligned pairs (regression) and unaligned images
(mean and covariance transfer)."""

from __future__ import annotations

import pytest
import torch

from camfuse.guide.colour import ColourMap, fit_regression, fit_transfer
from tests.motion import noise_image


def _quadratic_map(seed: int) -> ColourMap:
    g = torch.Generator().manual_seed(seed)
    m = 0.1 * torch.randn(10, 3, generator=g)
    m[:3] += 0.5 * torch.eye(3)
    m[3] += 0.2
    return ColourMap(m, quadratic=True)


AFFINE = ColourMap(
    torch.tensor([[0.6, 0.1, 0.0], [0.0, 0.5, 0.2], [0.1, 0.0, 0.7], [0.1, 0.2, 0.05]]),
    quadratic=False,
)


@pytest.mark.parametrize("known", [_quadratic_map(0), _quadratic_map(1), AFFINE])
def test_fit_regression_recovers_a_known_colour_map(known):
    x = noise_image(0)
    y = known(x)
    fitted = fit_regression(x, y)
    assert fitted.quadratic and fitted.matrix.shape == (10, 3)
    before = (x - y).abs().mean()
    err = (fitted(x) - y).abs().mean()
    assert err < 0.01 and err < 0.05 * before, (float(err), float(before))
    # it is a colour function: it generalises to pixels it was not fitted on
    other = noise_image(1)
    assert (fitted(other) - known(other)).abs().mean() < 0.015


def test_colour_map_keeps_shape_and_range():
    frames = torch.rand(2, 3, 16, 24)
    out = _quadratic_map(0)(frames)
    assert out.shape == frames.shape and out.dtype == frames.dtype
    assert 0 <= out.min() and out.max() <= 1


def _stats(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    v = x.reshape(3, -1).double()
    return v.mean(1), torch.cov(v)


def test_fit_transfer_moves_mean_and_covariance_onto_the_target():
    source = 0.5 * noise_image(2)
    t = noise_image(3, 48, 40)  # unaligned, another size; kept well inside [0, 1] so nothing clamps
    target = torch.stack([0.6 + 0.3 * t[0], 0.5 * t[0] + 0.3 * t[1], 0.1 + 0.2 * t[2]])
    fitted = fit_transfer(source, target)
    assert not fitted.quadratic and fitted.matrix.shape == (4, 3)
    out = fitted(source)
    (mu_o, cov_o), (mu_t, cov_t), (mu_s, cov_s) = _stats(out), _stats(target), _stats(source)
    assert (mu_o - mu_t).abs().max() < 1e-4 < (mu_s - mu_t).abs().max()
    assert (cov_o - cov_t).abs().max() < 1e-4 < (cov_s - cov_t).abs().max()


def test_fits_survive_a_one_colournoise_image():
    flat = torch.ones(3, 32, 32) * torch.tensor([0.8, 0.2, 0.4])[:, None, None]
    x = noise_image(4)
    for fitted in (fit_regression(flat, x), fit_transfer(flat, x), fit_transfer(x, flat)):
        assert torch.isfinite(fitted.matrix).all()
    torch.testing.assert_close(fit_transfer(x, flat)(x), flat, atol=0.01, rtol=0)
