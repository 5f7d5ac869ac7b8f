"""Watercolour: abstracted washes, wobbly edges, pigment turbulence and granulation, edge darkening,
paper white and grain.

After Bousseau et al., "Interactive watercolor rendering with temporal coherence and abstraction"
(2006): the colour is modified by a pigment density field, C' = C - (C - C^2)(d - 1). Their flow-based
wet effects (back-runs, blooms) are left out.
"""

from __future__ import annotations

from typing import Any

import cv2
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
)


def sample_params(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "abstraction": round(float(rng.uniform(2.0, 5.0)), 2),
        "wobble": round(float(rng.uniform(1.0, 3.0)), 2),
        "turbulence": round(float(rng.uniform(0.15, 0.4)), 3),
        "granulation": round(float(rng.uniform(0.1, 0.3)), 3),
        "edge_darkening": round(float(rng.uniform(0.6, 1.6)), 3),
        "dilution": round(float(rng.uniform(0.1, 0.3)), 3),  # lift towards the paper
        "paper_white": round(float(rng.uniform(0.75, 0.92)), 3),  # lightness left unpainted
        "grain": round(float(rng.uniform(0.8, 1.6)), 2),
        "levels": int(rng.integers(5, 10)),
        "palette": sample_palette(rng),
    }


def paint(img: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    rng = rng_of(p)
    shape = img.shape[:2]
    x = apply_palette(img, p["palette"])
    x = _washes(x, p)
    x = _wobble(x, rng, px(p, p["wobble"], 0.5), px(p, 12))
    lum = luminance(x)
    x = np.where((lum > p["paper_white"])[..., None], 1.0, x)  # highlights are bare paper
    x = x * (1 - p["dilution"]) + p["dilution"]
    grain = paper(shape, rng, px(p, p["grain"], 0.6))
    density = (
        1 + p["turbulence"] * fractal_noise(shape, rng, px(p, 40), 3) + p["granulation"] * grain
    )
    density += p["edge_darkening"] * _edges(x, p)
    x = x - (x - x * x) * (density[..., None] - 1)
    x = x * (1 - 0.05 * grain[..., None])
    return np.clip(x, 0, 1).astype(np.float32)


def _washes(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    """Flat-ish washes: edge-preserving smoothing then soft quantisation of lightness."""
    for _ in range(2):
        x = cv2.bilateralFilter(x, -1, 0.12, px(p, p["abstraction"]))
    lab = cv2.cvtColor(x, cv2.COLOR_RGB2Lab)
    q = lab[..., 0] / 100 * p["levels"]
    frac = q - np.floor(q)
    lab[..., 0] = (np.floor(q) + smoothstep(0.3, 0.7, frac)) / p["levels"] * 100
    return cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)


def _wobble(x: np.ndarray, rng: np.random.Generator, amp: float, cell: float) -> np.ndarray:
    h, w = x.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    dx = fractal_noise((h, w), rng, cell, 2) * amp
    dy = fractal_noise((h, w), rng, cell, 2) * amp
    return cv2.remap(x, xx + dx, yy + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def _edges(x: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    """Pigment pooling at wash borders: large where the colour changes, fading inwards."""
    gx = cv2.Sobel(x, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(x, cv2.CV_32F, 0, 1, ksize=3)
    mag = np.sqrt((gx * gx + gy * gy).sum(-1))
    return np.clip(blur(mag, px(p, 1.0, 0.5)), 0, 1)
