"""Impasto: thick strokes, coarse to fine, oriented along the structure tensor, lit as relief.

After Hertzmann, "Painterly rendering with curved brush strokes of multiple sizes" (1998): each finer
layer paints only where the canvas still differs from the reference. Strokes are straight two-segment
bends rather than spline streamlines, which keeps drawing in OpenCV at a few microseconds per stroke.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ._common import (
    apply_palette,
    blur,
    canvas,
    luminance,
    orientation,
    px,
    rng_of,
    sample_palette,
    shade,
    smear,
)


def sample_params(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "brush": round(float(rng.uniform(5.0, 9.0)), 2),  # coarsest stroke radius, 256-px units
        "layers": int(rng.integers(2, 4)),
        "length": round(float(rng.uniform(2.0, 4.0)), 2),  # stroke length / radius
        "threshold": round(float(rng.uniform(0.04, 0.1)), 3),
        "jitter": round(float(rng.uniform(0.01, 0.04)), 3),  # per-stroke colour variation
        "relief": round(float(rng.uniform(1.0, 2.5)), 3),
        "palette": sample_palette(rng),
    }


def paint(img: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    rng = rng_of(p)
    ref = apply_palette(img, p["palette"])
    h, w = ref.shape[:2]
    out = blur(ref, px(p, p["brush"] * 1.5))
    height = np.zeros((h, w), np.float32)
    cos, sin, _ = orientation(luminance(blur(ref, px(p, 1.5))), px(p, 5))
    radius = px(p, p["brush"])
    for layer in range(p["layers"]):
        r = max(px(p, 2.0), radius / 2**layer)
        src = blur(ref, r * 0.5)
        err = np.abs(out - src).sum(-1) if layer else np.full((h, w), np.inf, np.float32)
        _strokes(out, height, src, err, cos, sin, r, p, rng)
    hairs = blur(rng.standard_normal((h, w)).astype(np.float32), px(p, 0.6, 0.5))
    hairs = smear(hairs, cos, sin, length=radius * 1.5, steps=4)
    hairs /= hairs.std() + 1e-6
    relief = (
        blur(height, radius * 0.25) * 3 + 0.3 * hairs + 0.1 * canvas((h, w), rng, px(p, 3.0, 2))
    )
    out = out * shade(relief * min(1.0, px(p, 1.0, 0.0)), 0.05 * p["relief"])[..., None]
    return np.clip(out, 0, 1)


def _strokes(out, height, src, err, cos, sin, r, p, rng) -> None:
    h, w = err.shape
    step = max(1.0, r * 1.2)
    ys, xs = np.mgrid[step / 2 : h : step, step / 2 : w : step]
    xs = (xs + rng.uniform(-0.5, 0.5, xs.shape) * step).clip(0, w - 1).ravel()
    ys = (ys + rng.uniform(-0.5, 0.5, ys.shape) * step).clip(0, h - 1).ravel()
    iy, ix = ys.astype(int), xs.astype(int)
    keep = err[iy, ix] > p["threshold"] * 3
    order = rng.permutation(int(keep.sum()))
    xs, ys, iy, ix = xs[keep][order], ys[keep][order], iy[keep][order], ix[keep][order]
    colours = src[iy, ix] + rng.normal(0, p["jitter"], (len(xs), 3))
    half = r * p["length"] * rng.uniform(0.6, 1.0, len(xs)) / 2
    bend = rng.uniform(-0.3, 0.3, len(xs))
    c, s = cos[iy, ix], sin[iy, ix]
    thick = max(1, int(round(2 * r)))
    lum = rng.uniform(0.5, 1.0, len(xs))
    for i in range(len(xs)):
        cx, cy, dx, dy = xs[i], ys[i], c[i] * half[i], s[i] * half[i]
        pts = np.array(
            [[cx - dx, cy - dy], [cx + bend[i] * dy, cy - bend[i] * dx], [cx + dx, cy + dy]]
        )
        pts = np.round(pts * 16).astype(np.int32)[None]
        cv2.polylines(out, pts, False, colours[i].tolist(), thick, cv2.LINE_AA, shift=4)
        cv2.polylines(height, pts, False, float(lum[i]), thick, cv2.LINE_AA, shift=4)
