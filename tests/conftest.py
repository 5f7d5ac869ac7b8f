import pytest
import torch

from camfuse.config import CamFuseConfig, load_config


@pytest.fixture(autouse=True)
def _threads():
    torch.set_num_threads(2)  # 2-core CI machine; keeps timings stable


@pytest.fixture
def tiny_config() -> CamFuseConfig:
    """The tiny preset shrunk further: 32-d tokens, 64 px, 3 frames."""
    return load_config("tiny")


def make_batch(b: int = 2, t: int = 3, s: int = 64, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "painting": torch.rand(b, 3, s, s, generator=g),
        "footage": torch.rand(b, t, 3, s, s, generator=g),
        "target": torch.rand(b, t, 3, s, s, generator=g),
        "flow": torch.randn(b, t - 1, 2, s, s, generator=g),
        "valid": (torch.rand(b, t - 1, 1, s, s, generator=g) > 0.2).float(),
        "role": torch.tensor([i % 2 for i in range(b)]),
        "keyframe": torch.tensor([1 if i % 2 == 0 else -1 for i in range(b)]),
    }
