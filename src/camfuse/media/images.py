"""Still images: read as RGB(A) uint8, written as PNG/JPG; the one error type of the media package.

Frames cross this package's boundary as ``np.uint8`` arrays of shape (H, W, 3) in RGB order, or
(H, W, 4) RGBA where transparency matters (a paint layer, ``--alpha`` output); ``np.uint16`` only
on the way out (``--depth 16``: 16-bit PNG, ProRes). Nothing in BGR (OpenCV's order) ever leaves
:mod:`camfuse.media`.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff"}
MAX_SIDE = 8192  # larger frames are a mistake (or a decompression bomb), not footage
MIN_SIDE = 16


class MediaError(ValueError):
    """A user-facing input/output problem; its message is one line fit for stderr."""


def read_image(path: str | Path, *, alpha: bool = False) -> np.ndarray:
    """An RGB uint8 (H, W, 3) image, greyscale expanded; alpha is dropped, or with ``alpha`` kept
    as a fourth channel when the image has transparency (RGBA, LA, or a palette with a
    transparent entry; an opaque image stays (H, W, 3)).

    Sides over :data:`MAX_SIDE` are refused from the header, before anything is decoded (a
    decompression bomb costs nothing). A PNG must be whole: the decoder stops once it has the
    pixels, so a file cut inside its last chunks would otherwise read as if complete.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"image not found: {path}")
    try:
        with _open_header(path) as im:
            w, h = im.size
            if max(w, h) > MAX_SIDE:
                raise MediaError(f"image {path} is {w}x{h}; sides must be at most {MAX_SIDE} px")
            im.verify()  # PNG: every chunk's CRC up to IEND; a no-op for JPEG (its decoder checks)
        with Image.open(path) as im:  # verify() spends the file handle: open again to decode
            transparent = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
            mode = "RGBA" if alpha and transparent else "RGB"
            return np.asarray(im.convert(mode)).copy()
    except MediaError:
        raise
    except Exception as exc:  # PIL raises many types for broken files
        raise MediaError(
            f"cannot read image {path} (unreadable or truncated): {exc.__class__.__name__}"
        ) from None


def _open_header(path: Path) -> Image.Image:
    """``Image.open`` (reads the header only) without its decompression-bomb warning: Pillow warns
    over ~89 Mpx, before the caller can look at the size; every such image has a side over
    MAX_SIDE (8192^2 px is below the limit), so the caller refuses it with a plain message."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            return Image.open(path)
        except Image.DecompressionBombError:  # over twice the limit: Pillow will not say the size
            raise MediaError(
                f"image {path} is too large; sides must be at most {MAX_SIDE} px"
            ) from None


# zlib level of written PNGs: 1 encoded a 1280x720 frame in 0.06 s against 0.32 s at Pillow's
# default 6 (a one-off timing), for files about 16 % larger (the pixels are the same: lossless)
PNG_LEVEL = 1


def write_image(path: str | Path, image: np.ndarray) -> None:
    """Write an RGB uint8 (H, W, 3) array as PNG (or JPG, by extension); (H, W, 4) as RGBA PNG;
    uint16 (H, W, 3|4) as a 16-bit RGB(A) PNG."""
    if image.dtype == np.uint16:
        _write_png16(Path(path), image)
        return
    png = {"compress_level": PNG_LEVEL} if Path(path).suffix.lower() == ".png" else {}
    if image.ndim == 3 and image.shape[2] == 4 and image.dtype == np.uint8:
        Image.fromarray(image, "RGBA").save(path, **png)
        return
    Image.fromarray(check_rgb(image)).save(path, **png)


def _write_png16(path: Path, image: np.ndarray) -> None:
    """16 bits per channel through OpenCV: Pillow writes 16-bit greyscale only, not RGB(A)."""
    import cv2

    check_frame(image, depth=16)
    assert path.suffix.lower() == ".png", path
    bgr = cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA if image.shape[2] == 4 else cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL])
    if not ok:
        raise MediaError(f"cannot encode {path.name} as a 16-bit PNG")
    path.write_bytes(data.tobytes())


def frame_files(folder: Path) -> list[Path]:
    """Image files (PNG/JPG/WebP/TIFF) of a folder in natural order (``f2.png`` before ``f10.png``)."""
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


_DTYPES = {8: np.uint8, 16: np.uint16}


def check_frame(frame: np.ndarray, *, depth: int = 8, channels: tuple[int, ...] = (3, 4)):
    """An output frame: uint8 (``depth`` 8) or uint16 (16), (H, W, C) with C in ``channels``."""
    assert frame.dtype == _DTYPES[depth] and frame.ndim == 3 and frame.shape[2] in channels, (
        frame.dtype,
        frame.shape,
        depth,
    )
    return frame
