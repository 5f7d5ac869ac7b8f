"""Shared by the metrics: input validation (one-line ``ValueError``) and the thread policy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def single_thread() -> Iterator[None]:
    """Run the enclosed torch ops on one thread (also usable as a decorator).

    The metrics are many small ops on frame-sized tensors. On the 2-core machine, two OpenMP
    threads made them 4-7x *slower* than one whenever anything else ran (workers spin-wait for
    each other), and MKL's eigensolvers right after convolutions took 15 s instead of 0.3 s.
    """
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)


def check_images(x: torch.Tensor, name: str) -> torch.Tensor:
    """(N, 3, H, W) floating tensor -> float32 (values are not clamped: a metric sees what it got)."""
    if not torch.is_tensor(x) or x.dim() != 4 or x.shape[1] != 3:
        shape = tuple(x.shape) if torch.is_tensor(x) else type(x).__name__
        raise ValueError(f"{name} must be a (N, 3, H, W) tensor, got {shape}")
    if not x.is_floating_point():
        raise ValueError(f"{name} must be float in [0, 1], got dtype {x.dtype}")
    return x.detach().float()


def check_pair(
    a: torch.Tensor, b: torch.Tensor, names: tuple[str, str]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two image stacks of identical shape (frames of the same clip, or pred/target)."""
    a, b = check_images(a, names[0]), check_images(b, names[1])
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} {tuple(a.shape)} and {names[1]} {tuple(b.shape)} differ in shape"
        )
    return a, b.to(a.device)


def check_flows(
    flows: tuple[torch.Tensor, torch.Tensor], frames: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(backward flow (T-1, 2, H, W), mask (T-1, 1, H, W)) matching a (T, 3, H, W) clip."""
    flow, mask = flows
    t, _, h, w = frames.shape
    want = (max(t - 1, 0), h, w)
    if tuple(flow.shape) != (want[0], 2, h, w) or tuple(mask.shape) != (want[0], 1, h, w):
        raise ValueError(
            f"flows must be ((T-1, 2, H, W), (T-1, 1, H, W)) = (({want[0]}, 2, {h}, {w}), "
            f"({want[0]}, 1, {h}, {w})), got {tuple(flow.shape)} and {tuple(mask.shape)}"
        )
    return flow.float().to(frames.device), mask.float().to(frames.device)
