"""Shared building blocks of the procedural painters: palettes, noise, paper, orientation fields.

Images are float32 (H, W, 3) RGB in [0, 1]; grey fields are float32 (H, W). Pixel sizes in painter
parameters are given for a 256-px image and multiplied by ``params["scale"]``, so a painting made at
128 px looks like a downscaled 256-px one (the synthetic generator sets ``scale = size / 256``).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np


def rng_of(params: dict[str, Any], salt: int = 0) -> np.random.Generator:
    """The painter's private generator: a painting depends on its parameters only."""
    return np.random.default_rng([int(params["seed"]), salt])


def px(params: dict[str, Any], size: float, minimum: float = 1.0) -> float:
    """A size in pixels at the painting's resolution (parameters are in 256-px units)."""
    return max(minimum, float(size) * float(params.get("scale", 1.0)))


def odd(x: float) -> int:
    return int(x) // 2 * 2 + 1


def luminance(img: np.ndarray) -> np.ndarray:
    return img @ np.array([0.299, 0.587, 0.114], np.float32)


def blur(img: np.ndarray, sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(img, (0, 0), max(sigma, 0.3), borderType=cv2.BORDER_REFLECT)


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


# --- palette -------------------------------------------------------------------------------------


def sample_palette(rng: np.random.Generator) -> dict[str, Any]:
    """A colour grade: saturation/contrast plus split toning (shadows and highlights tinted)."""
    hue = rng.uniform(0, 1)
    shadow = _hsv(hue, rng.uniform(0.3, 0.8), rng.uniform(0.25, 0.5))
    highlight = _hsv(
        (hue + rng.uniform(0.35, 0.65)) % 1.0, rng.uniform(0.15, 0.45), rng.uniform(0.85, 1.0)
    )
    return {
        "saturation": round(float(rng.uniform(0.75, 1.45)), 3),
        "contrast": round(float(rng.uniform(0.85, 1.3)), 3),
        "gamma": round(float(rng.uniform(0.85, 1.15)), 3),
        "shadow": shadow,
        "highlight": highlight,
        "tint": round(float(rng.uniform(0.05, 0.3)), 3),
    }


def _hsv(h: float, s: float, v: float) -> list[float]:
    hsv = np.array([[[h * 360.0, s, v]]], np.float32)
    return [round(float(c), 3) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]]


def apply_palette(img: np.ndarray, pal: dict[str, Any]) -> np.ndarray:
    lab = cv2.cvtColor(np.clip(img, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)
    lum = lab[..., 0] / 100.0
    lum = np.clip((lum - 0.5) * pal["contrast"] + 0.5, 0, 1) ** pal["gamma"]
    lab[..., 0] = lum * 100.0
    lab[..., 1:] *= pal["saturation"]
    out = cv2.cvtColor(lab, cv2.COLOR_Lab2RGB)
    w = pal["tint"] * lum[..., None]
    tone = (1 - w) * out + w * out * np.asarray(pal["highlight"], np.float32) / 0.9
    ws = pal["tint"] * (1 - lum[..., None])
    tone = (1 - ws) * tone + ws * np.asarray(pal["shadow"], np.float32) * (0.5 + tone)
    return np.clip(tone, 0, 1).astype(np.float32)


# --- noise and paper -----------------------------------------------------------------------------


def value_noise(shape: tuple[int, int], rng: np.random.Generator, cell: float) -> np.ndarray:
    """Smooth noise in [-1, 1] with features about ``cell`` pixels wide."""
    h, w = shape
    gh, gw = int(h / cell) + 3, int(w / cell) + 3
    grid = rng.uniform(-1, 1, (gh, gw)).astype(np.float32)
    big = cv2.resize(grid, (int(gw * cell), int(gh * cell)), interpolation=cv2.INTER_CUBIC)
    return big[:h, :w]


def fractal_noise(
    shape: tuple[int, int], rng: np.random.Generator, cell: float, octaves: int = 3
) -> np.ndarray:
    out = np.zeros(shape, np.float32)
    amp, total = 1.0, 0.0
    for _ in range(octaves):
        out += amp * value_noise(shape, rng, max(cell, 1.0))
        total += amp
        amp, cell = amp * 0.5, cell / 2
    return out / total


def paper(shape: tuple[int, int], rng: np.random.Generator, grain: float) -> np.ndarray:
    """Paper tooth in [-1, 1]: fine fibrous grain over a faint cloudy texture."""
    fine = blur(rng.standard_normal(shape).astype(np.float32), max(grain * 0.5, 0.4))
    fine /= fine.std() + 1e-6
    fibre = smear(fine, *_angle_field(shape, rng.uniform(0, np.pi)), length=grain * 3, steps=3)
    fibre /= fibre.std() + 1e-6
    cloud = fractal_noise(shape, rng, grain * 20, 3)
    return np.clip(0.35 * fine + 0.45 * fibre + 0.6 * cloud, -2.5, 2.5) / 2.5


def canvas(shape: tuple[int, int], rng: np.random.Generator, period: float) -> np.ndarray:
    """Woven canvas in [-1, 1]: two crossing thread patterns with irregular threads."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    wobble = value_noise(shape, rng, period * 6) * period * 0.3
    warp_t = np.sin(2 * np.pi * (xx + wobble) / period)
    weft_t = np.sin(2 * np.pi * (yy - wobble) / period)
    weave = np.where(np.sin(np.pi * xx / period) * np.sin(np.pi * yy / period) > 0, warp_t, weft_t)
    return (0.8 * weave + 0.2 * value_noise(shape, rng, period)).astype(np.float32)


# --- structure ---------------------------------------------------------------------------------


def orientation(gray: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Edge-tangent direction (cos, sin) from the smoothed structure tensor, and its coherence."""
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jxy, jyy = blur(gx * gx, sigma), blur(gx * gy, sigma), blur(gy * gy, sigma)
    theta = 0.5 * np.arctan2(2 * jxy, jxx - jyy) + np.pi / 2  # tangent = normal + 90 degrees
    lam = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2)
    coherence = lam / (jxx + jyy + 1e-4)
    return (
        np.cos(theta).astype(np.float32),
        np.sin(theta).astype(np.float32),
        coherence.astype(np.float32),
    )


def _angle_field(shape: tuple[int, int], angle: float) -> tuple[np.ndarray, np.ndarray]:
    return np.full(shape, np.cos(angle), np.float32), np.full(shape, np.sin(angle), np.float32)


def smear(
    field: np.ndarray, cos: np.ndarray, sin: np.ndarray, *, length: float, steps: int
) -> np.ndarray:
    """Average ``field`` along straight lines of +-``length`` px in the given direction (LIC-lite)."""
    h, w = cos.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    acc = field.astype(np.float32).copy()
    for k in range(1, steps + 1):
        d = length * k / steps
        for sgn in (-1.0, 1.0):
            acc += cv2.remap(
                field,
                xx + sgn * d * cos,
                yy + sgn * d * sin,
                cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REFLECT,
            )
    return acc / (2 * steps + 1)


def shade(height: np.ndarray, strength: float, azimuth: float = 2.3) -> np.ndarray:
    """Lambert-like relief multiplier (~1) lit from ``azimuth``, for paint thickness ``height``."""
    gx = cv2.Sobel(height, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(height, cv2.CV_32F, 0, 1, ksize=3)
    lx, ly = np.cos(azimuth), np.sin(azimuth)
    return (1.0 + strength * (gx * lx + gy * ly)).astype(np.float32)


def kuwahara(img: np.ndarray, radius: int, sharpness: float = 8.0) -> np.ndarray:
    """Generalised (soft) Kuwahara: the four quadrant means weighted by inverse variance."""
    k = radius + 1
    mean = cv2.boxFilter(img, -1, (k, k), borderType=cv2.BORDER_REFLECT)
    sq = cv2.boxFilter(img * img, -1, (k, k), borderType=cv2.BORDER_REFLECT)
    h = radius // 2
    pad = lambda a: cv2.copyMakeBorder(a, h, h, h, h, cv2.BORDER_REFLECT)  # noqa: E731
    mp, sp = pad(mean), pad(sq)
    num = np.zeros_like(img)
    den = np.zeros(img.shape[:2], np.float32)
    H, W = img.shape[:2]
    for dy in (0, 2 * h):
        for dx in (0, 2 * h):
            m = mp[dy : dy + H, dx : dx + W]
            var = np.maximum(sp[dy : dy + H, dx : dx + W] - m * m, 0).sum(-1)
            wgt = 1.0 / (1e-4 + var * 400.0) ** (sharpness / 2)
            num += m * wgt[..., None]
            den += wgt
    return num / den[..., None]


def xdog(
    gray: np.ndarray,
    sigma: float,
    *,
    k: float = 1.6,
    tau: float = 0.98,
    eps: float = 0.0,
    phi: float = 60.0,
) -> np.ndarray:
    """Extended difference of Gaussians: ink coverage in [0, 1] (1 = ink)."""
    d = blur(gray, sigma) - tau * blur(gray, sigma * k)
    return np.where(d >= eps, 0.0, np.tanh(phi * (eps - d))).astype(np.float32)
