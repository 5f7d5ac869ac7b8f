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

Caveat: frames before the keyframe are tracked backwards from it, so a streamed render holds
frames 0..K (at model size) before it can emit frame 0; memory grows with K, not with the shot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import torch

from .flow import ChainTracker, DisSettings
from .warp import backward_warp

CHANNELS = 7  # warped RGB, confidence, recoloured RGB
# DIS flow for the track. Rendering searches down to full resolution ("fine": +0.9 dB for the guide
# alone on 8 test clips, 256 px, 16 frames, at 2.6x the flow time of "medium"), on frames capped at
# 320 px ("fine-320": identical to "fine" up to 320 px, so every 256-px result stands; at 512 px a
# guide as good in under half the flow time; benchmarks/bench_guide.py, docs/performance_notes.md).
# Training keeps OpenCV's "medium": clips are 4 frames of smooth synthetic motion, and generating
# data is the bottleneck.
RENDER_FLOW = "fine-320"
TRAIN_FLOW = "medium"
RIDGE = 1e-3  # keeps the quadratic fit sane on flat keyframes (few distinct colours)
EPS = 1e-5  # covariance floor: a one-colour painting or frame must not divide by zero


@dataclass(frozen=True)
class ColourMap:
    """RGB -> RGB by ``features(x) @ matrix``; quadratic (10 features) or affine (4)."""

    matrix: torch.Tensor  # (F, 3)
    quadratic: bool

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """(..., 3, H, W) in [0, 1] -> same shape, clamped to [0, 1]."""
        rgb = x.movedim(-3, -1)
        y = colour_terms(rgb, self.quadratic) @ self.matrix.to(x.dtype)
        return y.clamp(0, 1).movedim(-1, -3)


def colour_terms(rgb: torch.Tensor, quadratic: bool) -> torch.Tensor:
    """(..., 3) RGB -> (..., 10) [r, g, b, 1, rg, rb, gb, r², g², b²] (quadratic) or (..., 4)."""
    r, g, b = rgb.unbind(-1)
    one = torch.ones_like(r)
    terms = [r, g, b, one] + ([r * g, r * b, g * b, r * r, g * g, b * b] if quadratic else [])
    return torch.stack(terms, dim=-1)


def fit_regression(source: torch.Tensor, target: torch.Tensor) -> ColourMap:
    """Aligned (3, H, W) images -> quadratic map with map(source) ≈ target (ridge least squares)."""
    x = colour_terms(source.reshape(3, -1).T.double(), quadratic=True)  # (N, 10)
    y = target.reshape(3, -1).T.double()
    gram = x.T @ x + RIDGE * x.shape[0] * torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    return ColourMap(torch.linalg.solve(gram, x.T @ y).float(), quadratic=True)


def fit_transfer(source: torch.Tensor, target: torch.Tensor) -> ColourMap:
    """Unaligned images (3, H, W), (3, H', W') -> affine map moving source's colour mean and
    covariance onto target's (the Monge-Kantorovich linear solution)."""
    xs, xt = (im.reshape(3, -1).double() for im in (source, target))
    mu_s, mu_t = xs.mean(1), xt.mean(1)
    eye = EPS * torch.eye(3, dtype=xs.dtype, device=xs.device)
    cov_s, cov_t = torch.cov(xs) + eye, torch.cov(xt) + eye
    s_half = _sqrtm(cov_s)
    s_inv_half = torch.linalg.inv(s_half)
    a = s_inv_half @ _sqrtm(s_half @ cov_t @ s_half) @ s_inv_half  # y = a (x - mu_s) + mu_t
    matrix = torch.cat([a.T, (mu_t - a @ mu_s)[None]], dim=0)  # rows: r, g, b, 1
    return ColourMap(matrix.float(), quadratic=False)


def _sqrtm(m: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(m)
    return vecs @ torch.diag(vals.clamp_min(0).sqrt()) @ vecs.T


def stream_guides(
    painting: torch.Tensor,
    frames: Iterable[torch.Tensor],
    keyframe: int | None,
    *,
    preset: str | DisSettings = RENDER_FLOW,
    fill: Callable[[torch.Tensor], torch.Tensor] | None = None,
    shot: range | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(frame, guide)`` in order; painting and frames (3, H, W) at model size, guide
    (CHANNELS, H, W). ``keyframe=None`` is the style role.

    Keyframe role: ``fill`` paints what the track cannot carry (frame -> paint; default the shot's
    quadratic colour map; :mod:`camfuse.render.adapt` trains a better one). ``shot``: the frames of
    the keyframe's shot; the paint is not tracked across its cuts (frames outside it get ``fill``
    alone, confidence 0)."""
    if keyframe is not None and keyframe < 0:
        raise ValueError(f"keyframe must be >= 0 (or None for a style reference), got {keyframe}")
    it = iter(frames)
    if keyframe is None:
        first = next(it, None)
        if first is None:
            return
        for frame in _prepend(first, it):
            zeros = frame.new_zeros(4, *frame.shape[-2:])
            yield frame, torch.cat([zeros, frame])
        return
    head = []  # frames 0..K: the backward chain starts at K
    for frame in it:
        head.append(frame)
        if len(head) > keyframe:
            break
    if len(head) <= keyframe:
        raise ValueError(f"keyframe {keyframe} is beyond the footage's {len(head)} frames")
    key = head[-1]
    colours = fill or fit_regression(key, painting)
    shot = shot or range(0, 1 << 62)
    h, w = key.shape[-2:]

    def guide(frame: torch.Tensor, flow: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        warped = backward_warp(painting[None], flow[None])[0]
        return torch.cat([warped, valid, colours(frame)])

    def untracked(frame: torch.Tensor) -> torch.Tensor:  # another shot: nothing to carry
        return torch.cat([frame.new_zeros(4, h, w), colours(frame)])

    tracker = ChainTracker(key, preset=preset)
    before: list[torch.Tensor | tuple] = []
    for i in range(keyframe - 1, -1, -1):  # backwards from K, stopping at the shot's first frame
        before.append(tracker.step(head[i]) if i >= shot.start else None)
    for i, track in enumerate(reversed(before)):
        yield head[i], guide(head[i], *track) if track is not None else untracked(head[i])
    yield key, guide(key, key.new_zeros(2, h, w), key.new_ones(1, h, w))
    tracker = ChainTracker(key, preset=preset)
    for i, frame in enumerate(it, keyframe + 1):
        yield frame, guide(frame, *tracker.step(frame)) if i < shot.stop else untracked(frame)


def clip_guide(
    painting: torch.Tensor,
    footage: torch.Tensor,
    keyframe: int | None,
    *,
    preset: str | DisSettings = RENDER_FLOW,
    fill: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> torch.Tensor:
    """painting (3, H, W), footage (T, 3, H, W) -> guide (T, CHANNELS, H, W)."""
    guides = stream_guides(painting, footage, keyframe, preset=preset, fill=fill)
    return torch.stack([g for _, g in guides])


def _prepend(first: torch.Tensor, rest: Iterator[torch.Tensor]) -> Iterator[torch.Tensor]:
    yield first
    yield from rest
