from functools import cache

import torch

from camfuse.data.synth import generate_sample

SIZE, FRAMES = 64, 6


@cache
def sample(seed: int, role: str = "keyframe", frames: int = FRAMES) -> dict:
    """Generator clips shared by the metric tests (64 px; generated once per session)."""
    return generate_sample(seed, size=SIZE, frames=frames, role=role)


def flicker(clip: torch.Tensor, amount: float = 0.08) -> torch.Tensor:
    """Brightness up on odd frames, down on even ones: pure temporal instability."""
    sign = torch.tensor([1.0 if t % 2 else -1.0 for t in range(clip.shape[0])])
    return (clip + amount * sign.view(-1, 1, 1, 1)).clamp(0, 1)


def shuffled(clip: torch.Tensor) -> torch.Tensor:
    """A fixed derangement of the 6 frames: no frame keeps its place or its neighbour."""
    assert clip.shape[0] == 6
    return clip[torch.tensor([3, 0, 5, 1, 4, 2])]


def still(clip: torch.Tensor) -> torch.Tensor:
    return clip[:1].expand_as(clip).clone()
