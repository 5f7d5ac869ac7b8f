import pytest
import torch
import torch.nn.functional as F

from camfuse.config import DataConfig


@pytest.fixture
def data_cfg() -> DataConfig:
    return DataConfig(size=32, frames=2, max_cutouts=2, workers=0)


def _backward_warp(prev: torch.Tensor, flow: torch.Tensor) -> torch.Tensor:
    """prev (N, C, H, W) sampled at x + flow(x): the flow convention of camfuse.data.synth."""
    _, _, h, w = prev.shape
    yy, xx = torch.meshgrid(
        torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij"
    )
    gx = (xx + flow[:, 0]) / (w - 1) * 2 - 1
    gy = (yy + flow[:, 1]) / (h - 1) * 2 - 1
    grid = torch.stack([gx, gy], dim=-1)
    return F.grid_sample(prev, grid, mode="bilinear", padding_mode="border", align_corners=True)


def _masked_error(a: torch.Tensor, b: torch.Tensor, valid: torch.Tensor) -> float:
    """Mean absolute error over valid pixels; a, b (N, 3, H, W), valid (N, 1, H, W)."""
    err = (a - b).abs().mean(1, keepdim=True)
    return float((err * valid).sum() / valid.sum().clamp(min=1))


@pytest.fixture
def backward_warp():
    return _backward_warp


@pytest.fixture
def masked_error():
    return _masked_error
