"""What an evaluation runs on: clips with or without ground truth.

Two sources:

- a ground-truth split written by ``camfuse data make`` (:func:`split_clips`): painting, footage,
  the painted target frames, role and painter per clip, and (keyframe role, splits that store it)
  which pixels the keyframe showed;
- real footage (:func:`footage_clip`): a video file or frame folder plus a painting, either a
  paint-over of frame K (keyframe role) or any artwork (style role). There is no target, so only
  the no-reference metrics (warping error, CFDCI, MFD) apply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..data.datasets import DiskDataset
from ..media import MediaError, iter_frames, probe_footage, read_image
from ..models.inputs import fit_image, model_size


@dataclass
class Clip:
    name: str
    painting: torch.Tensor  # (3, Hp, Wp) in [0, 1]
    footage: torch.Tensor  # (T, 3, H, W) in [0, 1]
    target: torch.Tensor | None  # (T, 3, H, W) ground truth, or None for real footage
    keyframe: int | None  # paint-over of this frame, or None (style reference)
    painter: str  # generator painter name, or "user" for real footage
    # (T, 1, H, W) bool: the keyframe showed this pixel's surface point; None without ground truth
    # geometry (real footage, style role, splits written before it existed)
    seen: torch.Tensor | None = None

    def __post_init__(self) -> None:
        t, _, h, w = self.footage.shape
        if self.seen is not None and tuple(self.seen.shape) != (t, 1, h, w):
            raise ValueError(
                f"seen mask {tuple(self.seen.shape)} does not fit frames {(t, 1, h, w)}"
            )

    @property
    def role(self) -> str:
        return "style" if self.keyframe is None else "keyframe"


def split_clips(root: str | Path, *, max_clips: int | None = None) -> list[Clip]:
    """All clips of a ``camfuse data make`` folder (the first ``max_clips``)."""
    data = DiskDataset(root)
    n = len(data) if max_clips is None else min(max_clips, len(data))
    if n == 0:
        raise MediaError(f"data split {root} holds no clips")
    clips = []
    for i in range(n):
        s = data[i]
        kf = int(s["keyframe"]) if int(s["role"]) == 0 else None
        clips.append(
            Clip(
                name=data.samples[i]["dir"],
                painting=s["painting"],
                footage=s["footage"],
                target=s["target"],
                keyframe=kf,
                painter=s["painter"],
                seen=None if kf is None or s["seen"] is None else s["seen"].bool(),
            )
        )
    return clips


def footage_clip(
    footage: str | Path,
    painting: str | Path,
    *,
    keyframe: int | None,
    max_frames: int = 48,
    size: int = 256,
) -> Clip:
    """Real footage (first ``max_frames``), resized as ``render`` would to ``size`` px on the long side."""
    info = probe_footage(footage)
    n = min(max_frames, info.frames)
    if keyframe is not None and not 0 <= keyframe < n:
        raise ValueError(f"--keyframe {keyframe} is outside the evaluated frames 0..{n - 1}")
    w, h = model_size(info.width, info.height, size)
    frames = torch.stack([_tensor(f, (w, h)) for f in iter_frames(info.path, n)])
    paint = read_image(painting)
    p = _tensor(paint, (w, h)) if keyframe is not None else _tensor(paint, None)
    return Clip(
        name=Path(footage).stem,
        painting=p,
        footage=frames,
        target=None,
        keyframe=keyframe,
        painter="user",
    )


def _tensor(image: np.ndarray, size: tuple[int, int] | None) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float() / 255
    return x if size is None else fit_image(x, size).clamp(0, 1)
