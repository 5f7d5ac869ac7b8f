"""Several keyframes against one: what painting more frames buys, frame by frame.

On a ground-truth split every frame's painting is known, so any frames can serve as keyframes
(their paint-over is the target there). For each keyframe-role clip and each method that takes
several keyframes (``multikey``), :func:`compare_keyframes` renders the clip three ways:

- with all the keyframes of ``spec`` (e.g. ``first,last``: frames 0 and T-1);
- with the first of them alone, and with the last of them alone;

and measures PSNR per frame on the frames strictly between the first and last keyframe. It
reports, per method, the mean PSNR of each render there, the gain of the merged render over the
better single one (the mean over clips of merged minus the better single's clip mean), and the
worst frame: the largest amount by which any merged frame falls below the better of the two
single renders at that frame (ghosting or a bad merge shows up here, not in a mean).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import torch

from ..metrics import psnr_per_frame
from .clips import Clip

log = logging.getLogger(__name__)


def parse_keys(spec: str, frames: int) -> tuple[int, ...]:
    """``first,last`` | ``every:N`` (0, N, 2N, ... and the last frame) | ``0,7,15``; ``last`` and
    negative numbers count from the end."""
    text = spec.strip().lower()
    if text.startswith("every:"):
        step = text.split(":", 1)[1]
        if not step.isdigit() or int(step) < 1:
            raise ValueError(f"--keys every:N needs N >= 1, got {spec!r}")
        keys = set(range(0, frames, int(step))) | {frames - 1}
        return tuple(sorted(keys))
    keys = set()
    for part in text.split(","):
        part = part.strip()
        if part == "first":
            keys.add(0)
        elif part == "last":
            keys.add(frames - 1)
        elif part.lstrip("-").isdigit() and -frames <= int(part) < frames:
            keys.add(int(part) % frames)
        else:
            raise ValueError(
                f"--keys takes first, last, frame numbers (< {frames}) or every:N, got {spec!r}"
            )
    if len(keys) < 2:
        raise ValueError(f"--keys must name at least two distinct frames, got {spec!r}")
    return tuple(sorted(keys))


def with_keys(clip: Clip, keys: Sequence[int]) -> Clip:
    """The clip painted over at ``keys`` (their targets); one key gives the single-key form."""
    assert clip.target is not None, "keyframes need ground truth"
    keys = tuple(keys)
    if len(keys) == 1:
        return replace(clip, painting=clip.target[keys[0]], keyframe=keys[0], seen=None)
    return replace(clip, painting=clip.target[list(keys)], keyframe=keys, seen=None)


@dataclass
class KeyComparison:
    method: str
    clips: int
    merged: float  # mean PSNR between the first and last keyframe, all keyframes
    first: float  # ... the first keyframe alone
    last: float  # ... the last keyframe alone
    gain: float  # mean over clips of merged - max(first, last)
    worst_frame: float  # max over frames of max(first, last) - merged, dB (> 0: a frame lost)

    def to_dict(self) -> dict:
        return self.__dict__.copy()


def compare_keyframes(
    clips: Sequence[Clip],
    methods: Sequence[Callable],
    spec: str,
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[KeyComparison]:
    """The module docstring's comparison, for the methods that take several keyframes."""
    usable = [m for m in methods if getattr(m, "multikey", False)]
    for m in methods:
        if m not in usable:
            log.info("--keys: %s takes one keyframe; left out of the comparison", m.name)
    if not usable:
        raise ValueError("--keys: none of the chosen methods takes several keyframes")
    clips = [c for c in clips if c.role == "keyframe" and c.target is not None]
    if not clips:
        raise ValueError("--keys needs keyframe-role clips with ground truth (a data split)")
    scores: dict[str, list[tuple[float, float, float, float, float]]] = {m.name: [] for m in usable}
    for i, clip in enumerate(clips):
        keys = parse_keys(spec, clip.footage.shape[0])
        between = slice(keys[0] + 1, keys[-1])
        target = clip.target[between]
        for m in usable:
            psnrs = []
            for ks in (keys, keys[:1], keys[-1:]):
                c = with_keys(clip, ks)
                out = m(c.painting, c.footage, keyframe=c.keyframe).float().clamp(0, 1)
                psnrs.append(psnr_per_frame(out[between], target))
            merged, first, last = psnrs
            better = torch.maximum(first, last)
            scores[m.name].append(
                (
                    float(merged.mean()),
                    float(first.mean()),
                    float(last.mean()),
                    float(merged.mean() - max(first.mean(), last.mean())),
                    float((better - merged).max()),
                )
            )
            log.info("%s %s keys %s: %s", clip.name, m.name, keys, scores[m.name][-1])
        if on_progress:
            on_progress(i + 1, len(clips))
    results = []
    for name, rows in scores.items():
        cols = list(zip(*rows, strict=True))
        mean = [sum(c) / len(c) for c in cols[:4]]
        results.append(KeyComparison(name, len(rows), *mean, worst_frame=max(cols[4])))
    return results


def keyframes_table(results: Sequence[KeyComparison], spec: str) -> str:
    """Markdown table of :func:`compare_keyframes`."""
    lines = [
        f"## several keyframes (`--keys {spec}`): frames between the first and last keyframe",
        "",
        "| method | clips | PSNR all keys ↑ | PSNR first key alone | PSNR last key alone | "
        "gain over the better single (dB) | worst frame below the better single (dB) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.method} | {r.clips} | {r.merged:.2f} | {r.first:.2f} | {r.last:.2f} | "
            f"{r.gain:+.2f} | {r.worst_frame:.2f} |"
        )
    return "\n".join(lines) + "\n"


__all__ = [
    "KeyComparison",
    "compare_keyframes",
    "keyframes_table",
    "parse_keys",
    "with_keys",
]
