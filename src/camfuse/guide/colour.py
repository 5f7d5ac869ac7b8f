"""Colour maps between aligned or unaligned images: the guide's fallback paint and colour transfer.

- :func:`fit_regression`: aligned images (the keyframe's footage and its paint-over), a quadratic
  least-squares map pixel by pixel; the guide's "recoloured" channels for content the keyframe
  never showed (:mod:`camfuse.guide.track`).
- :func:`fit_transfer`: unaligned images (a frame and a style reference), the affine map moving one
  colour distribution's mean and covariance onto the other's.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

RIDGE = 1e-3  # keeps the quadratic fit sane on flat keyframes (few distinct colours)
EPS = 1e-5  # covariance floor: a one-colour painting or frame must not divide by zero


@dataclass(frozen=True)
class ColourMap:
    """RGB -> RGB by ``features(x) @ matrix``; quadratic (10 features) or affine (4)."""

    matrix: torch.Tensor  # (F, 3)
    quadratic: bool

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """(..., 3, H, W) in [0, 1] -> same shape, clamped to [0, 1]."""
        rgb = x.movedim(-3, -1)
        y = colour_terms(rgb, self.quadratic) @ self.matrix.to(x.dtype)
        return y.clamp(0, 1).movedim(-1, -3)


def colour_terms(rgb: torch.Tensor, quadratic: bool) -> torch.Tensor:
    """(..., 3) RGB -> (..., 10) [r, g, b, 1, rg, rb, gb, r², g², b²] (quadratic) or (..., 4)."""
    r, g, b = rgb.unbind(-1)
    one = torch.ones_like(r)
    terms = [r, g, b, one] + ([r * g, r * b, g * b, r * r, g * g, b * b] if quadratic else [])
    return torch.stack(terms, dim=-1)


def fit_regression(source: torch.Tensor, target: torch.Tensor) -> ColourMap:
    """Aligned (3, H, W) images -> quadratic map with map(source) ≈ target (ridge least squares)."""
    x = colour_terms(source.reshape(3, -1).T.double(), quadratic=True)  # (N, 10)
    y = target.reshape(3, -1).T.double()
    gram = x.T @ x + RIDGE * x.shape[0] * torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    return ColourMap(torch.linalg.solve(gram, x.T @ y).float(), quadratic=True)


def fit_transfer(source: torch.Tensor, target: torch.Tensor) -> ColourMap:
    """Unaligned images (3, H, W), (3, H', W') -> affine map moving source's colour mean and
    covariance onto target's (the Monge-Kantorovich linear solution)."""
    xs, xt = (im.reshape(3, -1).double() for im in (source, target))
    mu_s, mu_t = xs.mean(1), xt.mean(1)
    eye = EPS * torch.eye(3, dtype=xs.dtype, device=xs.device)
    cov_s, cov_t = torch.cov(xs) + eye, torch.cov(xt) + eye
    s_half = _sqrtm(cov_s)
    s_inv_half = torch.linalg.inv(s_half)
    a = s_inv_half @ _sqrtm(s_half @ cov_t @ s_half) @ s_inv_half  # y = a (x - mu_s) + mu_t
    matrix = torch.cat([a.T, (mu_t - a @ mu_s)[None]], dim=0)  # rows: r, g, b, 1
    return ColourMap(matrix.float(), quadratic=False)


def _sqrtm(m: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(m)
    return vecs @ torch.diag(vals.clamp_min(0).sqrt()) @ vecs.T


__all__ = ["ColourMap", "colour_terms", "fit_regression", "fit_transfer"]
