"""The paint-over generator: real photos filmed by a moving virtual camera, with moving cut-outs,
and the same world painted once in texture space, so the painted animation is exact ground truth.

A sample (see docs/CONTRACT.md) holds the painting, T footage frames, T painted target frames, the
backward flow between consecutive frames with its validity mask, the role (0 keyframe: the painting
is target[keyframe]; 1 style reference: a different photo painted with the same painter and
parameters), the keyframe index, which pixels of each frame the keyframe showed (``seen``; all
False in the style role), the seed, the painter name and its parameters as JSON.

Flow convention: ``target[t](x) ~= target[t-1](x + flow[t-1](x))`` with x in pixel coordinates whose
pixel centres are integers (``grid_sample(..., align_corners=True)`` after normalising).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import cv2
import numpy as np
import torch

from . import painters as P
from .camera import apply, camera_path, cutout_path
from .effects import apply_effects, sample_effects
from .layers import Frame, Layer, backward_flow, blob_mask, correspondence, render, stable_labels
from .sources import ImagePool, crop_resize, load_pool

ROLES = {"keyframe": 0, "style": 1}
# Painted textures are pre-filtered by this Gaussian (px), as a renderer's mip-map would, so that
# resampling them (rendering, and warping a rendered frame by the flow) stays accurate.
ANTIALIAS = 0.5
_STREAMS = {
    "choice": 1,
    "painter": 2,
    "world": 3,
    "camera": 4,
    "cutouts": 5,
    "effects": 6,
    "style": 7,
}


def _rng(seed: int, stream: str) -> np.random.Generator:
    """Independent streams, so e.g. turning camera effects off leaves the geometry unchanged."""
    return np.random.default_rng([int(seed), _STREAMS[stream]])


def generate_sample(
    seed: int,
    *,
    size: int,
    frames: int,
    role: str | None = None,
    painters: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    max_cutouts: int = 3,
    motion: float = 1.0,
    camera_effects: bool = True,
) -> dict:
    """One clip of synthetic training data; the same arguments always give the same sample."""
    _check_args(size, frames, role, max_cutouts, motion)
    names = list(painters) if painters else list(P.PAINTERS)
    for n in names:
        P.get_painter(n)  # unknown names fail here, not in a worker
    pool = load_pool(sources)
    choice = _rng(seed, "choice")
    role = role or ("keyframe" if choice.random() < 0.5 else "style")
    name = names[choice.integers(len(names))]
    params = P.sample_params(name, _rng(seed, "painter"))
    params["scale"] = size / 256  # painter sizes are for 256 px; textures are filmed at ~1 px/px

    layers, world_group = _world(pool, seed, name, params, size, frames, motion)
    layers += _cutouts(pool, seed, name, params, size, frames, motion, max_cutouts, world_group)
    rendered = [render(layers, t, size) for t in range(frames)]
    gt = [
        backward_flow(layers, t, rendered[t].label, rendered[t - 1].label) for t in range(1, frames)
    ]
    footage = [f.footage for f in rendered]
    if camera_effects:
        fx = sample_effects(_rng(seed, "effects"))
        footage = apply_effects(footage, _camera_shifts(layers[0], size), _rng(seed, "effects"), fx)

    keyframe = int(choice.integers(frames)) if role == "keyframe" else -1
    if role == "keyframe":
        painting = rendered[keyframe].target
    else:  # a different photo, framed like a frame, painted with the same painter and params
        style = _rng(seed, "style")
        photo = pool.pick(style, exclude=[world_group])
        framed = crop_resize(photo.pixels, style, size, size, (0.5, 1.0))
        painting = _paint_texture(name, framed, params)
    return {
        "painting": _chw(painting),
        "footage": torch.stack([_chw(f) for f in footage]),
        "target": torch.stack([_chw(f.target) for f in rendered]),
        "flow": _stack([_chw(flow) for flow, _ in gt], (0, 2, size, size)),
        "valid": _stack(
            [torch.from_numpy(v.astype(np.float32))[None] for _, v in gt], (0, 1, size, size)
        ),
        "seen": _seen(layers, rendered, keyframe),
        "role": torch.tensor(ROLES[role], dtype=torch.int64),
        "keyframe": torch.tensor(keyframe, dtype=torch.int64),
        "seed": torch.tensor(int(seed), dtype=torch.int64),
        "painter": name,
        "params": json.dumps(params, sort_keys=True),
    }


def _check_args(size: int, frames: int, role: str | None, max_cutouts: int, motion: float) -> None:
    if size < 16 or frames < 1:
        raise ValueError(f"need size >= 16 and frames >= 1, got size={size} frames={frames}")
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose from {', '.join(ROLES)} or None (random)")
    if max_cutouts < 0 or motion < 0:
        raise ValueError(f"max_cutouts and motion must be >= 0, got {max_cutouts} and {motion}")


def _stack(tensors: list[torch.Tensor], empty: tuple[int, ...]) -> torch.Tensor:
    return torch.stack(tensors) if tensors else torch.zeros(empty)


def _seen(layers: list[Layer], rendered: list[Frame], keyframe: int) -> torch.Tensor:
    """(T, 1, S, S) bool: the pixel's surface point is visible in the keyframe (none without one).

    Frame k itself is seen except where blended or next to another layer; other frames lose what
    the keyframe never showed: disoccluded world, cut-outs entering, the camera revealing new world.
    """
    size = rendered[0].label.shape[0]
    seen = torch.zeros(len(rendered), 1, size, size, dtype=torch.bool)
    if keyframe < 0:
        return seen
    stable = stable_labels(rendered[keyframe].label)
    for t, frame in enumerate(rendered):
        _, valid = correspondence(layers, t, keyframe, frame.label, stable)
        seen[t, 0] = torch.from_numpy(valid)
    return seen


def _paint_texture(name: str, texture: np.ndarray, params: dict) -> np.ndarray:
    return cv2.GaussianBlur(P.paint(name, texture, params), (0, 0), ANTIALIAS)


def _chw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1), dtype=np.float32))


def _world(
    pool: ImagePool, seed: int, name: str, params: dict, size: int, frames: int, motion: float
) -> tuple[list[Layer], str]:
    rng = _rng(seed, "world")
    th = int(round(size * rng.uniform(1.45, 1.8)))
    tw = int(round(th * rng.uniform(1.0, 1.35)))
    photo = pool.pick(rng)
    texture = crop_resize(photo.pixels, rng, th, tw, (0.7, 1.0))
    maps = camera_path(
        _rng(seed, "camera"), frames=frames, size=size, texture_hw=(th, tw), motion=motion
    )
    return [Layer(texture, _paint_texture(name, texture, params), None, maps)], photo.group


def _cutouts(
    pool, seed, name, params, size, frames, motion, max_cutouts, world_group
) -> list[Layer]:
    rng = _rng(seed, "cutouts")
    count = int(rng.integers(1, max_cutouts + 1)) if max_cutouts > 0 else 0
    layers = []
    for _ in range(count):
        patch = int(round(size * rng.uniform(0.3, 0.55)))
        photo = pool.pick(rng, exclude=[world_group])
        texture = crop_resize(photo.pixels, rng, patch, patch, (0.25, 0.6))
        alpha = blob_mask(rng, patch, feather=max(1.0, size / 128))
        maps = cutout_path(rng, frames=frames, size=size, patch=patch, motion=motion)
        layers.append(Layer(texture, _paint_texture(name, texture, params), alpha, maps))
    return layers


def _camera_shifts(world: Layer, size: int) -> list[np.ndarray]:
    """Image motion of the frame centre per frame (for motion blur), from neighbouring frames."""
    centre = np.array([(size - 1) / 2, (size - 1) / 2])
    maps = world.maps
    shifts = []
    for t in range(len(maps)):
        a, b = max(t - 1, 0), min(t + 1, len(maps) - 1)
        prev = apply(np.linalg.inv(maps[a]) @ maps[t], centre)
        nxt = apply(np.linalg.inv(maps[b]) @ maps[t], centre)
        shifts.append((nxt - prev) / max(b - a, 1))
    return shifts
