"""Smooth per-frame homographies: the virtual camera over the world texture and the cut-outs' paths.

Every matrix maps *frame* pixel coordinates to *texture* pixel coordinates (pixel centres at
integers, OpenCV's convention), i.e. it is what ``cv2.warpPerspective(..., WARP_INVERSE_MAP)``
takes. Motion is given per frame (pixels at 128 px, radians) so clips of any length move alike.
"""

from __future__ import annotations

import numpy as np


def translate(x: float, y: float) -> np.ndarray:
    return np.array([[1, 0, x], [0, 1, y], [0, 0, 1]], np.float64)


def similarity(angle: float, scale: float) -> np.ndarray:
    c, s = np.cos(angle) * scale, np.sin(angle) * scale
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]], np.float64)


def perspective(px: float, py: float) -> np.ndarray:
    return np.array([[1, 0, 0], [0, 1, 0], [px, py, 1]], np.float64)


def apply(h: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Apply a 3x3 homography to (..., 2) points."""
    q = pts @ h[:2, :2].T + h[:2, 2]
    w = pts @ h[2, :2] + h[2, 2]
    return q / w[..., None]


def _times(frames: int) -> np.ndarray:
    """Frame times centred on mid-clip, the reference pose of every path."""
    return np.arange(frames, dtype=np.float64) - (frames - 1) / 2


def camera_path(
    rng: np.random.Generator, *, frames: int, size: int, texture_hw: tuple[int, int], motion: float
) -> list[np.ndarray]:
    """Pan, zoom, roll and mild perspective, shrunk until every frame's view lies inside the texture."""
    unit = size / 128 * motion
    heading = rng.uniform(0, 2 * np.pi)
    p = {
        "scale": rng.uniform(0.8, 1.05),  # texture pixels per frame pixel
        "zoom": rng.uniform(-0.02, 0.02) * motion,  # log-scale change per frame
        "angle": rng.uniform(-0.12, 0.12),
        "spin": rng.uniform(-0.012, 0.012) * motion,  # radians per frame
        "vel": np.array([np.cos(heading), np.sin(heading)]) * rng.uniform(1.0, 4.0) * unit,
        "acc": rng.uniform(-0.25, 0.25, 2) * unit,
        "tilt": rng.uniform(-0.15, 0.15, 2) / size,
        "tilt_rate": rng.uniform(-0.01, 0.01, 2) / size * motion,
    }
    th, tw = texture_hw
    corners = np.array([[0, 0], [size - 1, 0], [0, size - 1], [size - 1, size - 1]], np.float64)
    for _ in range(40):
        mats = [_camera(p, t, size) for t in _times(frames)]
        pts = np.concatenate([apply(m, corners) for m in mats])
        lo, hi = pts.min(0), pts.max(0)
        slack = np.array([tw - 1, th - 1]) - 4 - (hi - lo)  # keep 2 px for bilinear sampling
        if (slack >= 0).all():
            shift = 2 - lo + rng.uniform(0, 1, 2) * slack
            return [translate(*shift) @ m for m in mats]
        for key in ("zoom", "spin", "vel", "acc", "tilt_rate"):
            p[key] = p[key] * 0.8
        p["scale"] *= 0.95
    raise AssertionError(f"camera path does not fit a {tw}x{th} texture for {frames} frames")


def _camera(p: dict, t: float, size: int) -> np.ndarray:
    centre = p["vel"] * t + 0.5 * p["acc"] * t * t
    tilt = p["tilt"] + p["tilt_rate"] * t
    rot_scale = similarity(p["angle"] + p["spin"] * t, p["scale"] * np.exp(p["zoom"] * t))
    return (
        translate(*centre)
        @ rot_scale
        @ perspective(*tilt)
        @ translate(-(size - 1) / 2, -(size - 1) / 2)
    )


def cutout_path(
    rng: np.random.Generator, *, frames: int, size: int, patch: int, motion: float
) -> list[np.ndarray]:
    """A foreground object's own smooth path: drift, turn, scale; visible around mid-clip."""
    unit = size / 128 * motion
    heading = rng.uniform(0, 2 * np.pi)
    mid = rng.uniform(0.2, 0.8, 2) * size
    vel = np.array([np.cos(heading), np.sin(heading)]) * rng.uniform(1.5, 5.0) * unit
    acc = rng.uniform(-0.3, 0.3, 2) * unit
    angle, spin = rng.uniform(-0.5, 0.5), rng.uniform(-0.03, 0.03) * motion
    scale, zoom = rng.uniform(0.85, 1.15), rng.uniform(-0.02, 0.02) * motion
    half = (patch - 1) / 2
    mats = []
    for t in _times(frames):
        pos = mid + vel * t + 0.5 * acc * t * t
        to_frame = (
            translate(*pos)
            @ similarity(angle + spin * t, scale * np.exp(zoom * t))
            @ translate(-half, -half)
        )
        mats.append(np.linalg.inv(to_frame))
    return mats
