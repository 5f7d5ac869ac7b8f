import pytest
import torch

from camfuse.config import CamFuseConfig, load_config


@pytest.fixture(autouse=True, scope="session")
def _cache(tmp_path_factory):
    """ONNX exports and adapted painters go to a throw-away folder, not the user's cache."""
    import os

    before = os.environ.get("CAMFUSE_CACHE")
    os.environ["CAMFUSE_CACHE"] = str(tmp_path_factory.mktemp("camfuse-cache"))
    yield
    if before is None:
        os.environ.pop("CAMFUSE_CACHE", None)
    else:
        os.environ["CAMFUSE_CACHE"] = before


@pytest.fixture(autouse=True)
def _threads():
    torch.set_num_threads(2)  # 2-core CI machine; keeps timings stable


@pytest.fixture
def one_thread(_threads):
    """For the pretrained EfficientNet: its many small ops gain nothing from a second thread, and
    on a shared 2-core machine each op then waits on a descheduled thread (its test files took
    100 s instead of 16 s under load)."""
    torch.set_num_threads(1)


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
