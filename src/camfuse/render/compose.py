"""The last step of a frame: where the paint goes, mixed with the footage (or written with alpha).

Each output pixel is ``footage + w * (paint - footage)`` with the weight

    w = strength x mask (feathered) x the paint's carried alpha

- ``strength`` (``--strength``), one number;
- the user's ``--mask`` frame, > 0 inside, feathered by a triangle filter of finite support
  (:func:`feather`): the edge is soft, and beyond it the weight is exactly 0, so the footage
  there passes through bit for bit;
- the alpha of an RGBA paint-over, carried along the track with the paint
  (:func:`camfuse.guide.track.track_keys`): a paint layer with transparent parts.

``--alpha`` writes the paint with ``w`` as its alpha channel instead (RGBA PNG frames): composited
over the footage, it gives the same frame. :class:`Composer` collects, in frame order, the pieces
each output needs (the source frame, its mask, the carried alpha) from the decoding and tracking
threads, and combines them when the network's frame comes out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

import numpy as np
import torch

from ..guide.merge import box_blur
from .detail import FullSizePaint, resize


def feather(mask: np.ndarray) -> torch.Tensor:
    """uint8 (H, W) mask, > 0 inside -> float (1, H, W) weights in [0, 1] with a soft edge of
    about min(H, W) / 100 px; exactly 0 farther than that from the mask."""
    radius = max(1, round(min(mask.shape) / 200))
    x = torch.from_numpy(mask).float()[None] / 255
    return box_blur(box_blur(x, radius), radius).clamp(0, 1)  # triangle: finite support


class Composer:
    """Per emitted frame: its footage and mask (tapped while decoding), its carried alpha (tapped
    while tracking); ``compose`` mixes them with the network's output (module docstring)."""

    def __init__(
        self,
        *,
        strength: float,
        masks: Iterable[np.ndarray] | None,
        carried: bool,
        rgba: bool,
        depth: int = 8,
        detail: FullSizePaint | None = None,
    ) -> None:
        if depth not in (8, 16):
            raise ValueError(f"output depth must be 8 or 16 bits, got {depth}")
        self.strength, self.rgba, self.carried, self.depth = strength, rgba, carried, depth
        self.detail = detail  # the paint-overs at the output size (camfuse.render.detail)
        self.tracks: deque[tuple] = deque()  # (carried, trust) per emitted frame, for ``detail``
        self.masks = iter(masks) if masks is not None else None
        self.mixing = strength < 1 or self.masks is not None or carried
        self.sources: deque[tuple[np.ndarray | None, np.ndarray | None]] = deque()
        self.alphas: deque[torch.Tensor | None] = deque()

    def tap_frames(self, frames: Iterable[np.ndarray], emit: range) -> Iterator[np.ndarray]:
        """Pass ``frames`` through, keeping what the emitted ones' outputs will need."""
        for i, f in enumerate(frames):
            mask = next(self.masks) if self.masks is not None else None
            if i in emit:
                keep = self.detail is not None or (self.mixing and not self.rgba)
                self.sources.append((f if keep else None, mask))
            yield f

    def tap_tracked(self, tracked: Iterable[tuple], emit: range) -> Iterator[tuple]:
        """(frame, guide, alpha, carried, trust) -> (frame, guide) of the emitted frames only,
        keeping alpha (and the track, for the full-size detail)."""
        for i, (frame, guide, alpha, carried, trust) in enumerate(tracked):
            if i in emit:
                if self.carried:
                    self.alphas.append(alpha)
                if self.detail is not None:
                    self.tracks.append((carried, trust, frame))
                yield frame, guide

    def compose(self, paint: torch.Tensor, out_size: tuple[int, int]) -> np.ndarray:
        """The network's (3, h, w) frame -> uint8 (H, W, 3), or (H, W, 4) with ``rgba``; uint16
        with ``depth=16`` (the footage, 8-bit, is scaled by 257 where it is mixed in)."""
        source, mask = self.sources.popleft()
        if self.detail is not None:
            carried, trust, frame = self.tracks.popleft()
            paint = self.detail.layer(paint, carried, trust, source, frame)
        image = to_image(paint, out_size, self.depth)
        alpha = self.alphas.popleft() if self.carried else None
        if not self.mixing and not self.rgba:
            return image
        weight: float | torch.Tensor = float(self.strength)  # a number unless a map is needed
        if mask is not None:
            weight = weight * feather(mask)[0]
        if alpha is not None:
            weight = weight * resize(alpha.float(), out_size).cpu().clamp(0, 1)[0]
        if self.rgba:
            top = _TOP[self.depth]
            a = torch.as_tensor(weight).expand(out_size[1], out_size[0]).numpy()
            a = np.clip(a * top + 0.5, 0, top).astype(image.dtype)
            return np.concatenate([image, a[..., None]], axis=-1)
        return mix(
            source, image, weight if isinstance(weight, float) else weight.numpy()[..., None]
        )


_TOP = {8: 255, 16: 65535}


def mix(footage: np.ndarray, paint: np.ndarray, weight: float | np.ndarray) -> np.ndarray:
    """footage + weight * (paint - footage) at the output size: footage uint8 (H, W, 3), paint
    uint8 or uint16 (the result has its type); where the weight is 0 the footage comes back bit
    for bit (x 257 in 16 bits: 255 -> 65535)."""
    scale = 257.0 if paint.dtype == np.uint16 else 1.0
    f = footage.astype(np.float32) * scale
    top = 65535 if paint.dtype == np.uint16 else 255
    out = f + weight * (paint.astype(np.float32) - f) + 0.5
    return np.clip(out, 0, top).astype(paint.dtype)


def to_image(x: torch.Tensor, size: tuple[int, int], depth: int = 8) -> np.ndarray:
    """float (3, h, w) -> uint8 (H, W, 3) at ``size`` (w, h); uint16 with ``depth=16``."""
    x = resize(x.float(), size).clamp(0, 1) * _TOP[depth]
    x = x.round().to(torch.int32 if depth == 16 else torch.uint8).permute(1, 2, 0).cpu().numpy()
    return x.astype(np.uint16) if depth == 16 else x


__all__ = ["Composer", "feather", "mix", "to_image"]
