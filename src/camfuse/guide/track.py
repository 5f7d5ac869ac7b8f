"""Classical guidance for the painting-sampling path: where each pixel's paint is, and its colours.

The paper's model sees the painting only through stride-16 attention, which cannot copy brush
strokes to the right pixel, and its temporal decoder barely sees motion (docs/results.md). The
painting-sampling extension gives the network three per-pixel guide images, computed without
learning, and lets it decide per pixel how much to trust each (``models/camfuse.py``):

- **warped** (3 channels): keyframe role only. The paint-over, sampled along the footage's optical
  flow chained back to the keyframe (:class:`camfuse.guide.flow.ChainTracker`, the same propagation as the
  flow-warp baseline). Exact where the track holds; wrong where content was hidden in the keyframe.
- **confidence** (1): 1 where the track passed every forward-backward check and stayed inside the
  image, else 0 (always 0 in the style role).
- **recoloured** (3): the footage through one colour map per shot, fitted once and applied to every
  frame, so it cannot flicker: a quadratic least-squares map from the keyframe's footage colours to
  the paint-over's, pixel by pixel (they are aligned). This is the fallback paint for content the
  keyframe never showed. Style role: the footage unchanged. A reference shows another scene, so no
  colour correspondence exists, and a painter keeps much of the footage's own colour: moving the
  footage's colour mean and covariance onto the reference's (:func:`fit_transfer`) lost 3.5 dB
  against the footage itself on 5 validation clips. The reference's palette is applied to the
  finished frames instead (:mod:`camfuse.guide.palette`).

Measured before any training (6 generator clips, 256 px, 16 frames, keyframe role, DIS medium): flow-warp
24.8 dB; the warp where trusted and the recoloured footage elsewhere 27.1 dB; the ground truth
where untrusted (an upper bound for any fill) 31.1 dB. The network learns the rest: painted
texture in the untrusted 20-30 % of pixels, and where the trusted track is still wrong.

Several keyframes (:func:`track_keys`): within a shot, every frame between two keyframes is
tracked from both, forwards from the earlier and backwards from the later, and the two carried
paint-overs are merged per pixel by trust and distance in time (:mod:`camfuse.guide.merge`); the
recoloured channels mix the two keyframes' colour maps by the same distance weights, so nothing
jumps at a keyframe. Frames before a shot's first keyframe and after its last are tracked from
that one alone; a shot with no keyframe is not tracked (recoloured footage, confidence 0). A
painting with a fourth (alpha) channel is carried the same way: its alpha says where paint goes
(0: keep the footage), and is yielded beside the guide.

Caveat: frames before a keyframe are tracked backwards from it, so a streamed render holds the
frames since the previous keyframe (at model size) before it can emit them; memory grows with the
distance between keyframes (and with the first keyframe's number), not with the shot.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import torch

from .colour import fit_regression
from .flow import ChainTracker, DisSettings
from .merge import blend_radius, merge_pair, soften
from .stale import staleness
from .warp import backward_warp

CHANNELS = 7  # warped RGB, confidence, recoloured RGB


def guide_paint(guide: torch.Tensor) -> torch.Tensor:
    """(..., CHANNELS, H, W) guide -> (..., 3, H, W): the carried paint where the track is trusted,
    the fill elsewhere, weighted by the confidence; what the guide paints with no network."""
    trusted = guide[..., 3:4, :, :]
    return (trusted * guide[..., :3, :, :] + (1 - trusted) * guide[..., 4:, :, :]).clamp(0, 1)


# DIS flow for the track. Rendering searches down to full resolution ("fine": +0.9 dB for the guide
# alone on 8 test clips, 256 px, 16 frames, at 2.6x the flow time of "medium"), on frames capped at
# 320 px ("fine-320": identical to "fine" up to 320 px, so every 256-px result stands; at 512 px a
# guide as good in under half the flow time; benchmarks/bench_guide.py, docs/performance_notes.md).
# Training keeps OpenCV's "medium": clips are 4 frames of smooth synthetic motion, and generating
# data is the bottleneck.
RENDER_FLOW = "fine-320"
TRAIN_FLOW = "medium"
# keyframe weights ~ 1 / distance^p: p = 1 is the linear crossfade between two keyframes. On the
# ground-truth split (8 clips, keys at the first and last of 16 frames) p = 2 lost 0.16 dB between
# the keys and its worst frame fell 0.14 dB below the better single keyframe (p = 1: -0.02)
DISTANCE_POWER = 1.0


Fill = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Carried:
    """How one keyframe's paint reaches a frame, so it can be carried again at another size."""

    key: int  # the keyframe's frame number in the stream
    flow: torch.Tensor  # (2, H, W) in px at this size: each pixel's place in the keyframe
    weight: torch.Tensor  # (1, H, W) >= 0: its share where two keyframes are merged (merge_pair)
    footage: torch.Tensor | None = None  # (3, H, W) the keyframe's own footage at this size


@dataclass(frozen=True)
class Tracked:
    """One frame of :func:`track_keys`: the frame, its guide, and where paint goes."""

    frame: torch.Tensor  # (3, H, W)
    guide: torch.Tensor  # (CHANNELS, H, W)
    alpha: torch.Tensor | None  # (1, H, W) the carried paint alpha; None: opaque paintings
    carried: tuple[Carried, ...] = ()  # the keyframes carried here (none: the fill paints all)
    trust: torch.Tensor | None = None  # (1, H, W) in [0, 1], soft: how far the carried paint holds


def stream_guides(
    painting: torch.Tensor,
    frames: Iterable[torch.Tensor],
    keyframe: int | Sequence[int] | None,
    *,
    preset: str | DisSettings = RENDER_FLOW,
    fill: Fill | None = None,
    shots: Sequence[range] | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(frame, guide)`` in order; painting and frames (3, H, W) at model size, guide
    (CHANNELS, H, W). ``keyframe=None`` is the style role.

    Keyframe role: ``keyframe`` is K, or several frame numbers with ``painting`` (N, 3|4, H, W) in
    the same order (:func:`track_keys`). ``fill`` paints what the track cannot carry (frame ->
    paint; default the keyframes' quadratic colour maps; :mod:`camfuse.render.adapt` trains a
    better one). ``shots``: the clip's shots; paint is not tracked across a cut."""
    if keyframe is None:
        for frame in frames:
            zeros = frame.new_zeros(4, *frame.shape[-2:])
            yield frame, torch.cat([zeros, frame])
        return
    for t in track_keys(painting, frames, keyframe, preset=preset, fill=fill, shots=shots):
        yield t.frame, t.guide


def track_keys(
    painting: torch.Tensor,
    frames: Iterable[torch.Tensor],
    keyframe: int | Sequence[int],
    *,
    preset: str | DisSettings = RENDER_FLOW,
    fill: Fill | None = None,
    shots: Sequence[range] | None = None,
    regions: torch.Tensor | None = None,
    stale: bool = True,
) -> Iterator[Tracked]:
    """The keyframe role of :func:`stream_guides` with the carried alpha (module docstring).

    ``regions`` (N, 1, H, W), one per keyframe in the same order: where each keyframe's paint may
    be carried from (a mask at the keyframe, > 0.5 inside); pixels tracked from outside it are
    untrusted, so the fill paints them. ``stale``: also untrust the pixels whose keyframe footage,
    carried along the same track, no longer looks like the frame (:mod:`camfuse.guide.stale`)."""
    keys = _as_keys(painting, keyframe, regions)
    footage: dict[int, torch.Tensor] = {}  # keyframe -> its footage frame (Carried, ``stale``)
    cuts = sorted({r.start for r in shots or ()} - {0})

    def shot_of(i: int) -> int:
        return bisect.bisect_right(cuts, i)

    frames_of_keys = sorted(keys)
    pending: list[tuple[int, torch.Tensor, tuple | None]] = []  # awaiting their next keyframe
    waiting: list[torch.Tensor] = []  # untracked frames, before any keyframe's colour map
    maps: dict[int, Fill] = {}  # keyframe -> its colour map (when no fill is given)
    last: tuple[int, ChainTracker] | None = None  # the latest keyframe of this shot, tracking on
    h = w = radius = 0
    i = -1
    for i, frame in enumerate(frames):
        if not h:
            h, w = frame.shape[-2:]
            radius = blend_radius(h, w)
        if last is not None and shot_of(last[0]) != shot_of(i):
            last = None
        nxt = _next_key(frames_of_keys, i, shot_of)
        if i in keys:
            rgb, alpha, region = keys[i]
            if alpha is not None:  # transparent paint means "the footage here": carry that
                rgb = alpha * rgb + (1 - alpha) * frame
                keys[i] = rgb, alpha, region
            maps[i] = fill or fit_regression(frame, rgb)
            footage[i] = frame
            for f in waiting:
                yield _untracked(f, maps[i])
            waiting = []
            ahead = ChainTracker(frame, preset=preset)  # backwards from this keyframe
            back = [ahead.step(f) for _, f, _ in reversed(pending)][::-1]
            for (j, f, fwd), bwd in zip(pending, back, strict=True):
                yield _merged(f, j, last, fwd, (i, bwd), keys, maps, fill, radius, footage, stale)
            pending = []
            trusted = frame.new_ones(1, h, w) if region is None else (region > 0.5).float()
            zero = frame.new_zeros(2, h, w)
            carried = (Carried(i, zero, trusted, frame),)
            yield Tracked(frame, torch.cat([rgb, trusted, maps[i](frame)]), alpha, carried, trusted)
            last = (i, ChainTracker(frame, preset=preset))
            continue
        fwd = last[1].step(frame) if last is not None else None
        if nxt is not None:
            pending.append((i, frame, fwd))
        elif last is not None:
            yield _merged(frame, i, last, fwd, None, keys, maps, fill, radius, footage, stale)
        elif fill is not None or maps:
            yield _untracked(frame, fill or maps[max(maps)])
        else:
            waiting.append(frame)
    if waiting or pending or max(frames_of_keys) > i:
        beyond = ", ".join(str(k) for k in frames_of_keys if k > i)
        raise ValueError(f"keyframe {beyond} is beyond the footage's {i + 1} frames")


def _as_keys(
    painting: torch.Tensor, keyframe: int | Sequence[int], regions: torch.Tensor | None
) -> dict[int, tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]]:
    """keyframe number -> (rgb (3, H, W), alpha (1, H, W) or None, region (1, H, W) or None)."""
    frames = [keyframe] if isinstance(keyframe, int) else list(keyframe)
    paintings = painting[None] if painting.dim() == 3 else painting
    if len(paintings) != len(frames) or paintings.shape[1] not in (3, 4):
        raise ValueError(
            f"{len(frames)} keyframes need as many (3|4, H, W) paintings, got {tuple(painting.shape)}"
        )
    if regions is not None and len(regions) != len(frames):
        raise ValueError(f"{len(frames)} keyframes need as many regions, got {len(regions)}")
    if min(frames, default=-1) < 0 or len(set(frames)) != len(frames):
        raise ValueError(f"keyframes must be distinct frame numbers >= 0, got {frames}")
    return {
        k: (p[:3], p[3:] if len(p) == 4 else None, regions[j] if regions is not None else None)
        for j, (k, p) in enumerate(zip(frames, paintings, strict=True))
    }


def _next_key(keys: list[int], i: int, shot_of: Callable[[int], int]) -> int | None:
    """The first keyframe after frame i in i's shot."""
    j = bisect.bisect_right(keys, i)
    return keys[j] if j < len(keys) and shot_of(keys[j]) == shot_of(i) else None


def _untracked(frame: torch.Tensor, colours: Fill) -> Tracked:
    """Another shot than any keyframe's: nothing to carry, the fill paints it all."""
    return Tracked(frame, torch.cat([frame.new_zeros(4, *frame.shape[-2:]), colours(frame)]), None)


def _merged(frame, i, last, fwd, bwd, keys, maps, fill, radius, footage, stale) -> Tracked:
    """Frame i's guide from the keyframe before it (``last``, its track ``fwd``) and/or the one
    after it (``bwd`` = (keyframe, track)), mixed by distance in time and trust (soft where the
    keyframe's footage, ``footage[k]``, no longer matches the frame, with ``stale``)."""
    sides = []  # (keyframe, flow, valid)
    if last is not None and fwd is not None:
        sides.append((last[0], *fwd))
    if bwd is not None:
        sides.append((bwd[0], *bwd[1]))
    weights = _time_weights(i, [k for k, _, _ in sides])
    sides = [  # tracked from outside a keyframe's region: not trusted
        (
            k,
            flow,
            v if keys[k][2] is None else v * (backward_warp(keys[k][2][None], flow[None])[0] > 0.5),
        )
        for k, flow, v in sides
    ]
    sides = [
        (k, flow, _fresh(frame, footage[k] if stale else None, flow, v, radius))
        for k, flow, v in sides
    ]
    paint = [backward_warp(keys[k][0][None], flow[None])[0] for k, flow, _ in sides]
    soft = torch.stack([v for _, _, v in sides]).amax(0)
    valid = (soft > 0.5).float()  # the network's confidence channel is binary, as in training
    if fill is None:
        colours = sum(t * maps[k](frame) for t, (k, _, _) in zip(weights, sides, strict=True))
    else:
        colours = fill(frame)
    alpha = None
    if keys[sides[0][0]][1] is not None:  # the paintings have alpha: carry it like the paint
        alpha = sum(
            t * backward_warp(keys[k][1][None], flow[None])[0]
            for t, (k, flow, _) in zip(weights, sides, strict=True)
        )
    shares = [t * soften(v, radius) for t, (_, _, v) in zip(weights, sides, strict=True)]
    if len(sides) == 2:
        paint = [merge_pair(*paint, *shares, radius)]
    carried = tuple(
        Carried(k, flow, w, footage[k]) for (k, flow, _), w in zip(sides, shares, strict=True)
    )
    trust = soften(soft, radius)
    return Tracked(frame, torch.cat([paint[0], valid, colours]), alpha, carried, trust)


def _fresh(frame, key_footage, flow, valid, radius) -> torch.Tensor:
    """``valid`` lowered where the keyframe's footage, carried by ``flow``, differs from the frame."""
    if key_footage is None:
        return valid
    carried = backward_warp(key_footage[None], flow[None])[0]
    return valid * (1 - staleness(frame, carried, valid, radius))


def _time_weights(i: int, keys: list[int]) -> list[float]:
    """Weights of the keyframes carried to frame i, inversely to a power of their distance."""
    if len(keys) == 1:
        return [1.0]
    inverse = [abs(i - k) ** -DISTANCE_POWER for k in keys]
    return [x / sum(inverse) for x in inverse]


def clip_guide(
    painting: torch.Tensor,
    footage: torch.Tensor,
    keyframe: int | Sequence[int] | None,
    *,
    preset: str | DisSettings = RENDER_FLOW,
    fill: Fill | None = None,
) -> torch.Tensor:
    """painting (3, H, W) (or (N, 3, H, W) for N keyframes), footage (T, 3, H, W) -> guide
    (T, CHANNELS, H, W)."""
    guides = stream_guides(painting, footage, keyframe, preset=preset, fill=fill)
    return torch.stack([g for _, g in guides])
