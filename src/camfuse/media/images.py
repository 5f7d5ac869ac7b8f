"""Still images: read as RGB uint8, written as PNG/JPG; the one error type of the media package.

Frames cross this package's boundary as ``np.uint8`` arrays of shape (H, W, 3) in RGB order;
nothing in BGR (OpenCV's order) ever leaves :mod:`camfuse.media`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_EXTS = {".png", ".jpg", ".jpeg"}
MAX_SIDE = 8192  # larger frames are a mistake (or a decompression bomb), not footage
MIN_SIDE = 16


class MediaError(ValueError):
    """A user-facing input/output problem; its message is one line fit for stderr."""


def read_image(path: str | Path) -> np.ndarray:
    """An RGB uint8 (H, W, 3) image; alpha is dropped, greyscale expanded."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"image not found: {path}")
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB")).copy()
    except Exception as exc:  # PIL raises many types for broken files
        raise MediaError(
            f"cannot read image {path} (unreadable or truncated): {exc.__class__.__name__}"
        ) from None


def write_image(path: str | Path, image: np.ndarray) -> None:
    """Write an RGB uint8 (H, W, 3) array as PNG (or JPG, by extension)."""
    Image.fromarray(check_rgb(image)).save(path)


def frame_files(folder: Path) -> list[Path]:
    """PNG/JPG files of a frame folder in natural order (``f2.png`` before ``f10.png``)."""
    key = lambda p: [int(s) if s.isdigit() else s.lower() for s in re.split(r"(\d+)", p.name)]  # noqa: E731
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTS), key=key
    )


def check_dims(w: int, h: int, what: str) -> None:
    if min(w, h) < MIN_SIDE or max(w, h) > MAX_SIDE:
        raise MediaError(f"{what} is {w}x{h}; sides must be {MIN_SIDE}..{MAX_SIDE} px")


def check_rgb(image: np.ndarray) -> np.ndarray:
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, (
        image.dtype,
        image.shape,
    )
    return image
