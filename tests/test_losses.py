"""The pretrained-feature losses: zero on identical inputs, positive otherwise, differentiable, and
the style loss tells textures apart (two halves of one texture are closer than two textures)."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
import torch

from camfuse.losses import PerceptualLoss, PretrainedStyleLoss
from camfuse.models.pretrained import PretrainedFeatures

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@pytest.fixture(scope="session")
def features() -> PretrainedFeatures:
    return PretrainedFeatures()  # one trunk for every loss below


def _rgb(image: np.ndarray) -> torch.Tensor:
    """(H, W) or (H, W, 3) uint8 -> (1, 3, H, W) in [0, 1]."""
    image = np.stack([image] * 3, -1) if image.ndim == 2 else image
    return torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255


def _halves(name: str) -> tuple[torch.Tensor, torch.Tensor]:
    x = _rgb(getattr(skimage.data, name)())[..., ::2, ::2]  # 256 px: fast, still textured
    return x[..., :128, :], x[..., 128:, :]


def _losses(features) -> list[torch.nn.Module]:
    return [
        PerceptualLoss(features=features),
        PerceptualLoss(features=features, distance="mse", weights=(1, 0.5, 0.25, 0)),
        PretrainedStyleLoss(features=features),
        PretrainedStyleLoss(features=features, statistics="mean_std"),
        PretrainedStyleLoss(features=features, softmax=False),
    ]


def test_zero_for_identical_positive_otherwise_and_differentiable(features):
    g = torch.Generator().manual_seed(0)
    target = torch.rand(2, 2, 3, 32, 32, generator=g)  # (B, T, 3, H, W) clips fold into frames
    pred = (target + 0.1 * torch.randn(target.shape, generator=g)).clamp(0, 1)
    pred.requires_grad_(True)
    for loss in _losses(features):
        assert float(loss(target, target)) == pytest.approx(0.0, abs=1e-7), loss
        value = loss(pred, target)
        assert value.ndim == 0 and float(value) > 0, loss
        (grad,) = torch.autograd.grad(value, pred)
        assert torch.isfinite(grad).all() and grad.abs().sum() > 0, loss
    assert all(p.grad is None for p in features.parameters())


def test_style_loss_separates_textures(features):
    style = PretrainedStyleLoss(features=features)
    halves = {name: _halves(name) for name in ("brick", "grass", "gravel")}
    with torch.no_grad():
        for name, (top, bottom) in halves.items():
            same = float(style(top, bottom))
            others = [float(style(top, h[1])) for n, h in halves.items() if n != name]
            assert 2 * same < min(others), (name, same, others)


def test_style_loss_fur_is_closer_to_fur_than_to_coffee(features):
    cat, coffee = _rgb(skimage.data.chelsea()), _rgb(skimage.data.coffee())
    fur_a, fur_b = cat[..., 170:298, 10:138], cat[..., 170:298, 300:428]
    crema = coffee[..., 0:128, 0:128]
    for statistics in ("gram", "mean_std"):
        style = PretrainedStyleLoss(features=features, statistics=statistics)
        with torch.no_grad():
            assert float(style(fur_a, fur_b)) < float(style(fur_a, crema)), statistics


def test_one_style_reference_for_a_batch_of_any_size(features):
    style = PretrainedStyleLoss(features=features)
    reference = _halves("brick")[0]  # (1, 3, 128, 256)
    frames = torch.rand(3, 3, 64, 64)
    assert float(style(frames, reference)) > 0
    with pytest.raises(ValueError, match="target has 2 images, pred 3"):
        style(frames, torch.rand(2, 3, 64, 64))


def test_bad_arguments(features):
    with pytest.raises(ValueError, match="distance must be"):
        PerceptualLoss(features=features, distance="l3")
    with pytest.raises(ValueError, match="one weight >= 0 per stride"):
        PerceptualLoss(features=features, weights=(1.0, 1.0))
    with pytest.raises(ValueError, match="statistics must be"):
        PretrainedStyleLoss(features=features, statistics="covariance")
    with pytest.raises(ValueError, match="temperature must be > 0"):
        PretrainedStyleLoss(features=features, temperature=0)
    with pytest.raises(ValueError, match="differ"):
        PerceptualLoss(features=features)(torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 48))
