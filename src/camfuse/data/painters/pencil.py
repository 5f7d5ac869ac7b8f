"""Pencil: tonal hatching and cross-hatching by threshold, contour lines, paper tooth, optional colour.

After Praun et al., "Real-time hatching" (2001): darker tones reveal more hatch layers at new angles.
Hatch layers are procedural (tapered strokes of random length on wandering parallel tracks) rather
than a scanned stroke texture, so they never tile visibly and cost a few array operations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import (
    apply_palette,
    blur,
    fractal_noise,
    luminance,
    paper,
    px,
    rng_of,
    sample_palette,
    smoothstep,
    xdog,
)


def sample_params(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "spacing": round(float(rng.uniform(3.0, 5.0)), 2),  # hatch line period, 256-px units
        "stroke": round(float(rng.uniform(12.0, 30.0)), 2),  # hatch stroke length, 256-px units
        "angle": round(float(rng.uniform(0.4, 1.2)), 3),  # first layer: right-handed diagonal
        "layers": int(rng.integers(3, 5)),
        "pressure": round(float(rng.uniform(0.55, 0.85)), 3),
        "contour": round(float(rng.uniform(0.6, 1.0)), 3),
        "colour": round(float(rng.uniform(0.0, 0.8)), 3),  # 0 graphite, 1 coloured pencil
        "lead": [round(float(c), 3) for c in rng.uniform(0.05, 0.25, 3)],
        "paper": [round(float(c), 3) for c in rng.uniform(0.9, 1.0, 3)],
        "palette": sample_palette(rng),
    }


def paint(img: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    rng = rng_of(p)
    shape = img.shape[:2]
    x = apply_palette(img, p["palette"])
    lum = blur(luminance(x), px(p, 1.5))
    base = blur(lum, px(p, 24))  # compress the global range, keep local contrast: draw shapes
    tone = np.clip(0.62 + 0.6 * (base - 0.5) + 1.4 * (lum - base), 0, 1)
    tooth = paper(shape, rng, px(p, 1.0, 0.6))
    dark = np.zeros(shape, np.float32)
    n = p["layers"]
    for k in range(n):
        threshold = 0.85 * (1 - k / n)  # layer k appears where tone < threshold
        coverage = smoothstep(threshold + 0.06, threshold - 0.1, tone)
        angle = p["angle"] + (0.0, np.pi / 2, -np.pi / 4, np.pi / 4)[k]
        hatch = _hatch(shape, rng, angle, px(p, p["spacing"], 2.2), px(p, p["stroke"], 4))
        dark = np.maximum(dark, coverage * hatch * (0.75 + 0.25 * k / n))
    lines = xdog(luminance(blur(img, px(p, 0.8, 0.4))), px(p, 1.3, 0.6), eps=0.0, phi=40.0)
    dark = np.maximum(dark, p["contour"] * lines)
    dark = np.clip(dark * p["pressure"] * (1.0 + 0.5 * tooth), 0, 1)  # tooth catches graphite
    sheet = np.asarray(p["paper"], np.float32) * (1 - 0.05 * tooth[..., None])
    wash = p["colour"] * 0.6 * smoothstep(0.95, 0.6, tone)[..., None]
    tint = sheet * (1 - wash) + wash * np.clip(x * 1.2, 0, 1)
    out = tint * (1 - dark[..., None]) + np.asarray(p["lead"], np.float32) * dark[..., None]
    return np.clip(out, 0, 1).astype(np.float32)


def _hash(a: np.ndarray, b: np.ndarray | float, key: float) -> np.ndarray:
    h = np.sin(a * 12.9898 + b * 78.233 + key) * 43758.5453
    return (h - np.floor(h)).astype(np.float32)


def _hatch(
    shape: tuple[int, int], rng: np.random.Generator, angle: float, period: float, length: float
) -> np.ndarray:
    """Darkness of one hatch layer: tapered strokes of random length and pressure on parallel tracks."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u = (
        xx * np.cos(angle)
        + yy * np.sin(angle)
        + fractal_noise(shape, rng, period * 8, 2) * period * 0.5
    )
    v = -xx * np.sin(angle) + yy * np.cos(angle)
    key = rng.uniform(0, 100)
    track = np.floor(u / period)
    across = u / period - track
    along = v / length + _hash(track, 0.0, key) * 5.0
    seg = np.floor(along)
    f = along - seg
    width = 0.22 + 0.12 * _hash(track, seg, key + 1)
    profile = smoothstep(width, 0.0, np.abs(across - 0.5) - 0.02)
    taper = smoothstep(0.0, 0.12, f) * smoothstep(1.0, 0.75, f)
    present = _hash(track, seg, key + 2) > 0.2
    return profile * taper * present * (0.6 + 0.4 * _hash(track, seg, key + 3))
