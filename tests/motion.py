"""Clips with an exact, known motion: a camera panning over a smooth texture and its paint-over."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def translating_clip(
    frames: int = 4, size: int = 64, step: tuple[int, int] = (2, 1), seed: int = 3
) -> tuple[torch.Tensor, torch.Tensor]:
    """-> (footage, painted), each (T, 3, size, size) in [0, 1].

    Frame t is the window at (x, y) = t * step of one larger texture, so pixel x of frame t shows
    what pixel x + (t - k) * step shows in frame k: the exact flow to frame k is (t - k) * step.
    ``painted`` is the same world with its channels reversed, a "painting" that differs from the
    footage but moves with it.
    """
    g = torch.Generator().manual_seed(seed)
    big = size + frames * max(step) + 8
    world = F.interpolate(
        torch.rand(1, 3, big // 4, big // 4, generator=g),
        size=(big, big),
        mode="bicubic",
        align_corners=False,
    )[0].clamp(0, 1)

    def crop(image: torch.Tensor, t: int) -> torch.Tensor:
        x, y = t * step[0], t * step[1]
        return image[:, y : y + size, x : x + size]

    footage = torch.stack([crop(world, t) for t in range(frames)])
    painted = torch.stack([crop(world.flip(0), t) for t in range(frames)])
    return footage, painted


def noise_image(seed: int, h: int = 32, w: int = 32) -> torch.Tensor:
    """(3, h, w) uniform noise in [0, 1], reproducible by seed."""
    return torch.rand(3, h, w, generator=torch.Generator().manual_seed(seed))
