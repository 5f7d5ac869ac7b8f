"""Cel / toon: flat colour regions from bilateral smoothing and lightness banding, XDoG ink lines.

After Winnemöller et al., "Real-time video abstraction" (2006) and "XDoG" (2012). Their flow-guided
smoothing is replaced by an isotropic bilateral filter, so ink lines are slightly less coherent.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ._common import apply_palette, blur, luminance, px, sample_palette, smoothstep, xdog


def sample_params(rng: np.random.Generator) -> dict[str, Any]:
    return {
        "smoothing": int(rng.integers(2, 5)),  # bilateral passes
        "levels": int(rng.integers(3, 7)),  # lightness bands
        "chroma_step": round(float(rng.uniform(6.0, 16.0)), 2),  # a*/b* quantisation, Lab units
        "line_sigma": round(float(rng.uniform(0.8, 1.6)), 3),
        "line_threshold": round(float(rng.uniform(-0.01, 0.01)), 4),
        "line_width": round(float(rng.uniform(0.8, 2.0)), 2),
        "ink": [round(float(c), 3) for c in rng.uniform(0.0, 0.15, 3)],
        "palette": sample_palette(rng),
    }


def paint(img: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    x = apply_palette(img, p["palette"])
    for _ in range(p["smoothing"]):
        x = cv2.bilateralFilter(x, -1, 0.1, px(p, 3.0))
    lab = cv2.cvtColor(x, cv2.COLOR_RGB2Lab)
    n = p["levels"]
    q = lab[..., 0] / 100 * n
    lab[..., 0] = (
        np.clip((np.floor(q) + smoothstep(0.45, 0.55, q - np.floor(q)) + 0.3) / n, 0, 1) * 100
    )
    step = p["chroma_step"]
    lab[..., 1:] = np.round(lab[..., 1:] / step) * step * 1.15
    flat = blur(cv2.cvtColor(lab, cv2.COLOR_Lab2RGB), 0.5)
    ink = xdog(
        luminance(blur(img, px(p, 0.8, 0.4))), px(p, p["line_sigma"], 0.5), eps=p["line_threshold"]
    )
    width = px(p, p["line_width"], 0.5)
    if width > 1.2:
        ink = cv2.dilate(
            ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (int(round(width)),) * 2)
        )
    ink = blur(ink, 0.5)[..., None]
    return np.clip(flat * (1 - ink) + np.asarray(p["ink"], np.float32) * ink, 0, 1).astype(
        np.float32
    )
