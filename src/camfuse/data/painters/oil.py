"""Oil: soft Kuwahara colour patches, brush drag along the structure tensor, bristle relief, canvas.

After Kyprianidis et al., "Image and video abstraction by anisotropic Kuwahara filtering" (2009), with
the cheap four-quadrant generalised filter instead of the anisotropic one; the caveat is blockier
patches at large radii, which the oriented brush drag hides.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._common import (
    apply_palette,
    blur,
    canvas,
    kuwahara,
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
        "radius": round(float(rng.uniform(2.5, 5.5)), 2),
        "sharpness": round(float(rng.uniform(6.0, 12.0)), 2),
        "drag": round(float(rng.uniform(2.0, 6.0)), 2),
        "bristle": round(float(rng.uniform(0.4, 1.0)), 3),
        "relief": round(float(rng.uniform(0.8, 1.8)), 3),
        "canvas": round(float(rng.uniform(0.01, 0.03)), 3),
        "canvas_period": round(float(rng.uniform(2.5, 4.0)), 2),
        "palette": sample_palette(rng),
    }


def paint(img: np.ndarray, p: dict[str, Any]) -> np.ndarray:
    rng = rng_of(p)
    shape = img.shape[:2]
    x = apply_palette(img, p["palette"])
    x = kuwahara(x, int(round(px(p, p["radius"], 2))), p["sharpness"])
    cos, sin, _ = orientation(luminance(x), px(p, 4))
    drag = px(p, p["drag"])
    x = smear(x, cos, sin, length=drag * 0.6, steps=2)  # colour dragged by the brush
    hairs = blur(rng.standard_normal(shape).astype(np.float32), px(p, 0.6, 0.5))
    hairs = smear(hairs, cos, sin, length=drag, steps=4)
    hairs /= hairs.std() + 1e-6
    weave = canvas(shape, rng, px(p, p["canvas_period"], 2))
    # relief scales with the painting so that shading slopes look alike at any resolution
    height = (p["bristle"] * hairs + 0.5 * weave) * min(1.0, px(p, 1.0, 0.0))
    x = (
        x
        * shade(height, 0.06 * p["relief"])[..., None]
        * (1 + 0.04 * p["bristle"] * hairs[..., None])
    )
    x = x + p["canvas"] * weave[..., None]
    return np.clip(x, 0, 1)
