import pytest
import torch
import torch.nn.functional as F

from camfuse.metrics import detail_ratio, high_frequency

from .conftest import sample


def _blur(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, stride=1)


def test_an_image_against_itself_is_one():
    target = sample(0)["target"]
    assert detail_ratio(target, target) == pytest.approx(1.0, abs=1e-6)


def test_blurred_is_below_one_and_noisy_above():
    target = sample(1)["target"]
    g = torch.Generator().manual_seed(0)
    noisy = (target + 0.1 * torch.randn(target.shape, generator=g)).clamp(0, 1)
    assert detail_ratio(_blur(target), target) < 0.8
    assert detail_ratio(_blur(_blur(target)), target) < detail_ratio(_blur(target), target)
    assert detail_ratio(noisy, target) > 1.2


def test_upscaled_from_a_quarter_loses_detail():
    """What the 256-px path does to a 1024-px frame, in miniature: down 4x, back up bilinear."""
    target = sample(2)["target"]
    small = F.interpolate(target, scale_factor=0.25, mode="area")
    up = F.interpolate(small, size=target.shape[-2:], mode="bilinear", align_corners=False)
    assert detail_ratio(up, target) < 0.5


def test_flat_frames_have_no_energy_and_a_flat_truth_is_an_error():
    flat = torch.full((2, 3, 32, 32), 0.4)
    assert high_frequency(flat).tolist() == pytest.approx([0.0, 0.0], abs=1e-8)
    with pytest.raises(ValueError, match="undefined"):
        detail_ratio(torch.rand(2, 3, 32, 32), flat)


def test_bad_inputs_are_value_errors():
    x = torch.rand(2, 3, 32, 32)
    with pytest.raises(ValueError, match="differ in shape"):
        detail_ratio(x, x[:1])
    with pytest.raises(ValueError, match="larger than"):
        detail_ratio(x[..., :4, :4], x[..., :4, :4])
    with pytest.raises(ValueError, match="sigma"):
        high_frequency(x, sigma=0)
