"""Camera effects on the footage only (the painted ground truth stays clean): exposure flicker and
white balance, motion blur along the camera's own motion, and signal-dependent sensor noise.

Caveat: motion blur follows the camera (world layer) only; cut-outs are blurred as if they moved with it.
"""

from __future__ import annotations

import cv2
import numpy as np


def sample_effects(rng: np.random.Generator) -> dict:
    return {
        "exposure": float(rng.normal(0.0, 0.12)),  # log gain of the clip
        "flicker": float(rng.uniform(0.0, 0.05)),  # per-frame log-gain jitter
        "white_balance": rng.normal(0.0, 0.04, 3).tolist(),
        "shutter": float(rng.uniform(0.0, 0.8)),  # exposure time / frame interval
        "read_noise": float(rng.uniform(0.002, 0.015)),
        "shot_noise": float(rng.uniform(0.0, 0.03)),
    }


def apply_effects(
    frames: list[np.ndarray], shifts: list[np.ndarray], rng: np.random.Generator, fx: dict
) -> list[np.ndarray]:
    """``shifts[t]``: the camera's image motion (dx, dy) in pixels per frame around frame t."""
    wb = np.exp(np.asarray(fx["white_balance"], np.float32))
    drift = 0.0
    out = []
    for frame, shift in zip(frames, shifts, strict=True):
        drift = 0.6 * drift + fx["flicker"] * rng.standard_normal()  # smooth flicker, not strobing
        x = _motion_blur(frame, shift * fx["shutter"])
        x = x * (np.exp(fx["exposure"] + drift) * wb)
        sigma = np.sqrt(fx["read_noise"] ** 2 + fx["shot_noise"] ** 2 * np.clip(x, 0, 1))
        x = x + sigma * rng.standard_normal(x.shape).astype(np.float32)
        out.append(np.clip(x, 0, 1).astype(np.float32))
    return out


def _motion_blur(img: np.ndarray, streak: np.ndarray) -> np.ndarray:
    length = float(np.hypot(*streak))
    if length < 1.0:
        return img
    k = int(np.ceil(length)) * 2 + 1
    kernel = np.zeros((k, k), np.float32)
    c = k // 2
    p0 = (int(round((c - streak[0] / 2) * 16)), int(round((c - streak[1] / 2) * 16)))
    p1 = (int(round((c + streak[0] / 2) * 16)), int(round((c + streak[1] / 2) * 16)))
    cv2.line(kernel, p0, p1, 1.0, 1, cv2.LINE_AA, shift=4)
    return cv2.filter2D(img, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)
