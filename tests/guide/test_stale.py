"""Carried paint that no longer shows what the frame shows is untrusted, so it is repainted."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from camfuse.baselines.guided import FlowWarpFill
from camfuse.guide.stale import staleness
from camfuse.guide.track import track_keys

S = 64
SQUARE = (slice(24, 40), slice(24, 40))  # (H, W) of the region whose appearance changes


def scene() -> tuple[torch.Tensor, torch.Tensor]:
    """A still shot (T=4, 3, S, S): frame 1 is 15 % brighter (exposure), in frames 2-3 a square
    changes colour, its texture inverted (a mouth closing, a box turning). And a paint-over of
    frame 0 that differs from the footage everywhere (its channels reversed)."""
    g = torch.Generator().manual_seed(1)
    world = F.interpolate(torch.rand(1, 3, 8, 8, generator=g), size=(S, S), mode="bicubic")[0]
    world = world.clamp(0.1, 0.8)
    frames = world[None].repeat(4, 1, 1, 1)
    frames[1] = (frames[1] * 1.15).clamp(0, 1)
    for t in (2, 3):
        frames[t][:, SQUARE[0], SQUARE[1]] = 1 - world[:, SQUARE[0], SQUARE[1]].roll(1, 0)
    return frames, world.flip(0)


def confidence(stale: bool) -> torch.Tensor:
    frames, painting = scene()
    return torch.stack([t.guide[3] for t in track_keys(painting, iter(frames), 0, stale=stale)])


def test_a_region_that_changed_is_untrusted_and_a_static_one_is_not():
    c, flow_only = confidence(stale=True), confidence(stale=False)
    outside = torch.ones(S, S, dtype=torch.bool)
    outside[16:48, 16:48] = False  # the square and a margin of its softened edge
    changed = c[2:, SQUARE[0], SQUARE[1]]
    assert float(changed.mean()) < 0.1  # changed: the fill repaints it
    missed = flow_only[2:, SQUARE[0], SQUARE[1]]  # the flow's check alone misses much of it
    assert float(missed.mean()) > float(changed.mean()) + 0.2
    assert bool((c[:, outside] == flow_only[:, outside]).all())  # static: the paint stays
    assert bool((c[1] == flow_only[1]).all())  # a global exposure change is not a change


def test_staleness_is_zero_for_the_same_footage_and_one_for_another_surface():
    frames, _ = scene()
    trusted = torch.ones(1, S, S)
    assert float(staleness(frames[0], frames[0], trusted, 2).amax()) == 0
    other = torch.zeros_like(frames[0])
    assert float(staleness(frames[0] * 0 + 0.9, other + 0.1, trusted[:, :1] * 0, 2).amin()) == 1


def test_the_guide_repaints_the_changed_region_and_keeps_the_static_paint():
    frames, painting = scene()
    out = FlowWarpFill()(painting, frames, keyframe=0)  # the guide alone: paint | fill
    changed = out[3][:, SQUARE[0], SQUARE[1]]
    assert float((changed - painting[:, SQUARE[0], SQUARE[1]]).abs().mean()) > 0.2
    static = (out[3] - painting).abs()[:, :12, :12]
    assert float(static.mean()) < 0.01 and float(static.amax()) < 0.05  # sub-pixel flow error
