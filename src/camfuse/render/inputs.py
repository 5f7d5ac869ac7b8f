"""The artist's inputs, read and validated: keyframe paintings (one, several, a keys folder),
their alpha, a mask, a frame range. Part of step 1 (:mod:`camfuse.render.plan`): nothing is
written, and every refusal is one line naming the input.

Conventions (EbSynth's, where it has one):

- ``--keys DIR``: one painting per keyframe, named by its frame number in the clip
  (``00012.png`` paints frame 12; any number of digits; PNG/JPG/WebP/TIFF).
- A painting's transparent pixels (RGBA PNG/WebP/TIFF) mean "keep the footage here"; partial
  alpha mixes (:mod:`camfuse.render.compose`).
- ``--start`` is the first frame rendered, ``--end`` the first one not rendered (Python's
  ``range(start, end)``); keyframe numbers are always those of the whole clip, and a keyframe
  outside the range still paints it (the track runs through the frames between).
- ``--mask``: a video or a folder with one greyscale frame per footage frame (white = paint).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..media import (
    IMAGE_EXTS,
    MAX_SIDE,
    MIN_SIDE,
    FootageInfo,
    MediaError,
    frame_files,
    probe_footage,
    read_image,
)

ASPECT_TOLERANCE = (
    0.02  # |log aspect ratio| a paint-over may differ from its frame's (1 px rounding)
)


@dataclass(frozen=True)
class Keyframes:
    """The paint-overs of a keyframe-role render, sorted by frame number."""

    frames: tuple[int, ...]
    paintings: tuple[np.ndarray, ...]  # uint8 (H, W, 3), or (H, W, 4) with transparency
    paths: tuple[Path, ...]


def read_painting(path: Path, *, alpha: bool = False) -> np.ndarray:
    """A painting file: RGB uint8 (RGBA with ``alpha`` when it has transparency)."""
    if path.suffix.lower() not in IMAGE_EXTS:
        raise MediaError(
            f"unsupported painting type {path.suffix or '(none)'!r} for {path}; "
            "use PNG, JPG, WebP or TIFF"
        )
    image = read_image(path, alpha=alpha)
    h, w = image.shape[:2]
    if min(h, w) < MIN_SIDE or max(h, w) > MAX_SIDE:
        raise MediaError(f"painting {path} is {w}x{h}; sides must be {MIN_SIDE}..{MAX_SIDE} px")
    return image


def keys_folder(folder: Path) -> list[tuple[int, Path]]:
    """(frame number, file) of a ``--keys`` folder, by frame number."""
    if not folder.is_dir():
        raise MediaError(f"--keys folder not found: {folder}")
    files = frame_files(folder)
    if not files:
        raise MediaError(f"--keys folder {folder} has no PNG/JPG/WebP/TIFF paintings")
    keys: dict[int, Path] = {}
    for f in files:
        if not f.stem.isdigit():
            raise MediaError(
                f"--keys file {f.name} is not named by its frame number (e.g. 00012.png)"
            )
        k = int(f.stem)
        if k in keys:
            raise MediaError(f"--keys folder names frame {k} twice: {keys[k].name} and {f.name}")
        keys[k] = f
    return sorted(keys.items())


def read_keyframes(
    painting: str | Path | Sequence[str | Path],
    keyframe: int | Sequence[int] | None,
    keys: str | Path | None,
    footage: FootageInfo,
) -> Keyframes:
    """The keyframe role's paintings: ``--keyframe`` / ``--painting`` pairs or a ``--keys`` folder."""
    if keys is not None:
        if painting or keyframe is not None:
            raise ValueError("pass either --keys DIR or --keyframe K with --painting, not both")
        pairs = keys_folder(Path(keys))
    else:
        frames = [keyframe] if isinstance(keyframe, int) else list(keyframe or ())
        paths = [painting] if isinstance(painting, str | Path) else list(painting or ())
        if len(frames) != len(paths):
            raise ValueError(
                f"{len(frames)} --keyframe and {len(paths)} --painting given: "
                "pass one painting per keyframe, in the same order"
            )
        pairs = [(int(k), Path(p)) for k, p in zip(frames, paths, strict=True)]
    seen: set[int] = set()
    for k, _ in pairs:
        if not 0 <= k < footage.frames:
            raise ValueError(
                f"keyframe {k} is out of range: the footage has {footage.frames} frames "
                f"(0..{footage.frames - 1})"
            )
        if k in seen:
            raise ValueError(f"keyframe {k} is given twice")
        seen.add(k)
    pairs.sort()
    images = tuple(read_painting(p, alpha=True) for _, p in pairs)
    for (_, p), image in zip(pairs, images, strict=True):
        h, w = image.shape[:2]
        if abs(np.log(w / h * footage.height / footage.width)) > ASPECT_TOLERANCE:
            raise MediaError(
                f"painting {p} is {w}x{h} but the footage is {footage.size}: a paint-over must "
                "have the footage's aspect ratio (paint over an exported frame)"
            )
    return Keyframes(tuple(k for k, _ in pairs), images, tuple(p for _, p in pairs))


def frame_range(start: int | None, end: int | None, frames: int) -> range:
    """``--start`` / ``--end`` -> the frames rendered, checked against the clip's length."""
    s = 0 if start is None else start
    e = frames if end is None else end
    if not 0 <= s < frames:
        raise ValueError(f"--start {s} is out of range: the footage has {frames} frames")
    if not s < e <= frames:
        raise ValueError(
            f"--end must be in {s + 1}..{frames} (the first frame not rendered), got {e}"
        )
    return range(s, e)


def check_mask(mask: str | Path, footage: FootageInfo) -> Path:
    """A mask video or folder with the footage's frame count and size."""
    info = probe_footage(mask)
    if info.frames != footage.frames or (info.width, info.height) != (
        footage.width,
        footage.height,
    ):
        raise MediaError(
            f"mask {info.path} has {info.frames} frames of {info.size}; the footage has "
            f"{footage.frames} frames of {footage.size}"
        )
    return info.path


def to_grey(frame: np.ndarray) -> np.ndarray:
    """A mask frame, RGB uint8 (H, W, 3) -> uint8 (H, W)."""
    return frame.mean(axis=-1).round().astype(np.uint8)


def shots_within(shots: Sequence[range] | None, span: range) -> list[range] | None:
    """The clip's shots, clipped to ``span`` and numbered from its start."""
    if not shots:
        return None
    return [
        range(max(r.start, span.start) - span.start, min(r.stop, span.stop) - span.start)
        for r in shots
        if r.stop > span.start and r.start < span.stop
    ]


def stream_span(span: range, keyframes: Sequence[int], shots: Sequence[range] | None) -> range:
    """The frames to decode and track for rendering ``span``: it, widened to the keyframes just
    before and after it in the same shot (keyframes farther away do not reach it)."""

    def shot(i: int) -> range:
        return next((r for r in shots or () if i in r), range(0, 1 << 62))

    lo, hi = span.start, span.stop
    before = [k for k in keyframes if k < span.start and k in shot(span.start)]
    after = [k for k in keyframes if k >= span.stop and k in shot(span.stop - 1)]
    if before:
        lo = max(before)
    if after:
        hi = min(after) + 1
    return range(lo, hi)


__all__ = [
    "ASPECT_TOLERANCE",
    "Keyframes",
    "check_mask",
    "frame_range",
    "keys_folder",
    "read_keyframes",
    "read_painting",
    "shots_within",
    "stream_span",
    "to_grey",
]
