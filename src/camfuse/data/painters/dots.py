"""Pointillism and mosaic: both place seeds on a jittered grid and colour each pixel from its nearest
seed(s), vectorised over the 3x3 neighbouring grid cells (no per-dot drawing loop).

Pointillism after Seurat's practice (and Hertzmann's survey): dots of boosted, jittered colour over a
pale ground, two offset layers; mosaic: Voronoi tiles with grout where the two nearest seeds tie.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ._common import apply_palette, blur, px, rng_of, sample_palette, smoothstep


def nearest_seeds(shape: tuple[int, int], rng: np.random.Generator, cell: float, jitter: float):
    """For every pixel: (x, y) of its nearest and the distances to the nearest and second-nearest seed."""
    h, w = shape
    gh, gw = int(h / cell) + 3, int(w / cell) + 3
    off = 0.5 + jitter * rng.uniform(-0.5, 0.5, (2, gh, gw)).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ci, cj = (yy / cell).astype(int) + 1, (xx / cell).astype(int) + 1
    cand_x, cand_y, cand_d = [], [], []
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            i, j = ci + di, cj + dj
            sx = (j - 1 + off[0, i, j]) * cell
            sy = (i - 1 + off[1, i, j]) * cell
            cand_x.append(sx)
            cand_y.append(sy)
            cand_d.append(np.hypot(sx - xx, sy - yy))
    d = np.stack(cand_d)
    order = np.argsort(d, axis=0)[:2]
    first = np.take_along_axis(d, order[:1], 0)[0]
    second = np.take_along_axis(d, order[1:2], 0)[0]
    sx = np.take_along_axis(np.stack(cand_x), order[:1], 0)[0]
    sy = np.take_along_axis(np.stack(cand_y), order[:1], 0)[0]
    return sx, sy, first, second


def _sample(img: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    return cv2.remap(
        img,
        sx.astype(np.float32),
        sy.astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REFLECT,
    )


def pointillism_params(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "dot": round(float(rng.uniform(4.0, 6.0)), 2),  # dot spacing, 256-px units
        "size": round(float(rng.uniform(0.8, 1.0)), 3),  # dot radius / spacing
        "hue_jitter": round(float(rng.uniform(10.0, 25.0)), 2),  # degrees
        "value_jitter": round(float(rng.uniform(0.08, 0.16)), 3),
        "saturation": round(float(rng.uniform(1.1, 1.6)), 3),
        "ground": round(float(rng.uniform(0.15, 0.35)), 3),  # how pale the underpainting is
        "palette": sample_palette(rng),
    }


def pointillism(img: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    rng = rng_of(p)
    x = apply_palette(img, p["palette"])
    spacing = px(p, p["dot"], 1.5)
    ref = blur(x, spacing * 0.4)
    out = blur(x, spacing * 2) * (1 - p["ground"]) + p["ground"] * 0.95
    for layer in range(3):  # sparse layers of round dabs, each over the previous ones
        cell = spacing * (1.5 - 0.25 * layer)
        sx, sy, d1, _ = nearest_seeds(img.shape[:2], rng, cell, 0.7)
        dot = _jitter(_sample(ref, sx, sy), sx, sy, rng, p)
        radius = cell * 0.6 * p["size"]
        cover = smoothstep(radius, radius - 0.9, d1)[..., None]
        dab = 1.06 - 0.14 * (d1 / radius) ** 2  # a dab is thicker, so lighter, in the middle
        out = out * (1 - cover) + dot * dab[..., None] * cover
    return np.clip(out, 0, 1).astype(np.float32)


def _jitter(
    colour: np.ndarray, sx: np.ndarray, sy: np.ndarray, rng: np.random.Generator, p: dict[str, Any]
) -> np.ndarray:
    """Per-dot colour variation: a hash of the seed position keyed by the painter seed."""
    key = rng.uniform(0, 1000)
    u = np.sin(sx * 12.9898 + sy * 78.233 + key) * 43758.5453
    v = np.sin(sx * 39.346 + sy * 11.135 + key * 1.7) * 24634.6345
    u, v = (u - np.floor(u)) * 2 - 1, (v - np.floor(v)) * 2 - 1
    hsv = cv2.cvtColor(np.clip(colour, 0, 1).astype(np.float32), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + u * p["hue_jitter"]) % 360
    hsv[..., 1] = np.clip(hsv[..., 1] * p["saturation"], 0, 1)
    hsv[..., 2] = np.clip(hsv[..., 2] * (1 + v * p["value_jitter"]), 0, 1)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def mosaic_params(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "tile": round(float(rng.uniform(6.0, 9.0)), 2),  # tile size, 256-px units
        "jitter": round(float(rng.uniform(0.4, 0.9)), 3),
        "grout": round(float(rng.uniform(0.35, 0.7)), 3),  # grout width, 256-px units
        "grout_colour": [
            round(float(c), 3) for c in (rng.uniform(0.1, 0.6) + rng.uniform(-0.04, 0.04, 3))
        ],
        "bevel": round(float(rng.uniform(0.05, 0.2)), 3),
        "value_jitter": round(float(rng.uniform(0.03, 0.1)), 3),
        "palette": sample_palette(rng),
    }


def mosaic(img: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    rng = rng_of(p)
    x = apply_palette(img, p["palette"])
    size = px(p, p["tile"], 4.5)
    sx, sy, d1, d2 = nearest_seeds(img.shape[:2], rng, size, p["jitter"])
    tile = _jitter(
        _sample(blur(x, size * 0.3), sx, sy),
        sx,
        sy,
        rng,
        {**p, "hue_jitter": 4.0, "saturation": 1.1},
    )
    gap = (d2 - d1) / 2  # distance to the cell border
    grout_w = px(p, p["grout"], 0.3)
    bevel = 1 - p["bevel"] * smoothstep(grout_w + size * 0.25, grout_w, gap)
    tile = tile * bevel[..., None]
    grout = smoothstep(grout_w + 0.5, grout_w - 0.3, gap)[..., None]
    out = tile * (1 - grout) + np.asarray(p["grout_colour"], np.float32) * grout
    return np.clip(out, 0, 1).astype(np.float32)
