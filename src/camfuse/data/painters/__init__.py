"""Procedural painterly renderers: the ground-truth styles of the synthetic paint-over data.

Each painter is two pure functions: ``sample_params(rng)`` draws randomised, JSON-serialisable
parameters (with a colour palette, a ``seed`` for any internal randomness and a ``scale`` for its
pixel sizes, which are given for a 256-px image) and ``paint(image, params)`` renders a float32
(H, W, 3) RGB image in [0, 1]. The same params always give the same painting, so a world texture,
its cut-outs and a style reference painted with one params dict share one style.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import cel, dots, impasto, oil, pencil, watercolour


@dataclass(frozen=True)
class Painter:
    name: str
    sample_params: Callable[[np.random.Generator], dict[str, Any]]
    paint: Callable[[np.ndarray, dict[str, Any]], np.ndarray]


PAINTERS: dict[str, Painter] = {
    p.name: p
    for p in (
        Painter("oil", oil.sample_params, oil.paint),
        Painter("impasto", impasto.sample_params, impasto.paint),
        Painter("watercolour", watercolour.sample_params, watercolour.paint),
        Painter("cel", cel.sample_params, cel.paint),
        Painter("pencil", pencil.sample_params, pencil.paint),
        Painter("pointillism", dots.pointillism_params, dots.pointillism),
        Painter("mosaic", dots.mosaic_params, dots.mosaic),
    )
}


def get_painter(name: str) -> Painter:
    if name not in PAINTERS:
        raise ValueError(f"unknown painter {name!r}; choose from {', '.join(PAINTERS)}")
    return PAINTERS[name]


def sample_params(name: str, rng: np.random.Generator) -> dict[str, Any]:
    """Randomised parameters for painter ``name``; ``scale`` = 1 means sizes are for 256 px."""
    params = get_painter(name).sample_params(rng)
    params["seed"] = int(rng.integers(0, 2**31 - 1))
    params["scale"] = 1.0
    return params


def paint(name: str, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Paint a float32 (H, W, 3) RGB image in [0, 1]; returns the same shape and range."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.float32:
        raise ValueError(
            f"paint expects a float32 (H, W, 3) image, got {image.dtype} {image.shape}"
        )
    out = get_painter(name).paint(np.ascontiguousarray(image), params)
    assert out.shape == image.shape, (name, out.shape)
    return np.clip(out, 0.0, 1.0).astype(np.float32, copy=False)


__all__ = ["PAINTERS", "Painter", "get_painter", "paint", "sample_params"]
