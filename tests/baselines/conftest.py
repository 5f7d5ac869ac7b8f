from __future__ import annotations

import pytest
import torch

from camfuse.config import CamFuseConfig, load_config
from camfuse.models.camfuse import CamFuse


@pytest.fixture(scope="session")
def model_pair() -> tuple[CamFuse, CamFuseConfig]:
    """An untrained tiny CamFuse (3-frame windows) with its config, as load_model returns them."""
    cfg = load_config("tiny")
    torch.manual_seed(0)
    return CamFuse(cfg.model).eval(), cfg


@pytest.fixture
def clip() -> dict:
    """4 non-square frames (32x48), a matching paint-over and a tall style reference."""
    g = torch.Generator().manual_seed(0)
    return {
        "footage": torch.rand(4, 3, 32, 48, generator=g),
        "painting": torch.rand(3, 32, 48, generator=g),
        "reference": torch.rand(3, 64, 32, generator=g),
    }


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(10 * torch.log10(1 / (a - b).pow(2).mean().clamp_min(1e-10)))
