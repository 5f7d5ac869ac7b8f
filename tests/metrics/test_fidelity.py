import pytest
import torch

from camfuse.metrics import psnr, ssim
from camfuse.metrics.fidelity import MAX_PSNR


def test_psnr_known_values():
    target = torch.full((2, 3, 16, 16), 0.5)
    pred = target + 0.1  # MSE 0.01 -> 20 dB
    assert psnr(pred, target) == pytest.approx(20.0, abs=1e-4)
    assert psnr(target, target) == MAX_PSNR
    # the mean of per-frame values, not the PSNR of the pooled MSE
    two = torch.stack([pred[0], target[1]])
    assert psnr(two, target) == pytest.approx((20.0 + MAX_PSNR) / 2, abs=1e-4)


def test_ssim_identity_and_degradation():
    g = torch.Generator().manual_seed(0)
    target = torch.rand(2, 3, 32, 32, generator=g)
    noisy = (target + 0.2 * torch.randn(target.shape, generator=g)).clamp(0, 1)
    assert ssim(target, target) == pytest.approx(1.0, abs=1e-5)
    assert 0 < ssim(noisy, target) < 0.9


def test_bad_inputs_are_value_errors():
    x = torch.rand(2, 3, 16, 16)
    with pytest.raises(ValueError, match="differ in shape"):
        psnr(x, x[:1])
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        psnr(x[0], x[0])
    with pytest.raises(ValueError, match="at least 11"):
        ssim(x[..., :8, :8], x[..., :8, :8])
