"""Layered rendering and analytic ground truth: a world texture under 0..N feathered cut-outs.

Footage and painted frames are warped from their textures with the *same* homographies and the same
bilinear sampling, so the painted animation moves exactly like the footage. Backward flow comes from
the geometry, not from an estimator: a pixel of frame t belongs to its topmost layer; that layer's
homographies carry it to frame t-1, or to any frame k (``correspondence``: what a keyframe showed).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

PURE = 0.98  # a pixel whose top layer contributes less than this is a blend of two motions: invalid
# px: inv(maps[k]) @ maps[t] is the identity only up to round-off; it must not push the border
# pixels of a still frame (or of the keyframe itself) outside the frame
ROUND_OFF = 1e-6


@dataclass
class Layer:
    footage: np.ndarray  # float32 (h, w, 3) texture
    painted: np.ndarray  # float32 (h, w, 3) the same texture painted once
    alpha: np.ndarray | None  # float32 (h, w) feathered mask; None = opaque world
    maps: list[np.ndarray]  # per frame 3x3 frame -> texture homography


@dataclass
class Frame:
    footage: np.ndarray  # (S, S, 3)
    target: np.ndarray  # (S, S, 3)
    label: np.ndarray  # int (S, S): topmost layer (alpha > 0.5), -1 where blended (not pure)


def blob_mask(rng: np.random.Generator, patch: int, feather: float) -> np.ndarray:
    """A random blobby shape: an ellipse whose polar radius wobbles, softly feathered."""
    yy, xx = np.mgrid[0:patch, 0:patch].astype(np.float32) - (patch - 1) / 2
    aspect, angle = rng.uniform(0.6, 1.0), rng.uniform(0, np.pi)
    u = xx * np.cos(angle) + yy * np.sin(angle)
    v = (-xx * np.sin(angle) + yy * np.cos(angle)) / aspect
    rho, phi = np.hypot(u, v), np.arctan2(v, u)
    wobble = sum(
        rng.uniform(0, 0.12) * np.cos(k * phi + rng.uniform(0, 2 * np.pi)) for k in range(2, 6)
    )
    radius = (patch / 2 - feather - 2) * aspect * (0.75 + wobble)
    return np.clip((radius - rho) / feather + 0.5, 0.0, 1.0).astype(np.float32)


def render(layers: list[Layer], t: int, size: int) -> Frame:
    world = layers[0]
    stack = np.concatenate([world.footage, world.painted], axis=2)
    warped = _warp(stack, world.maps[t], size, cv2.BORDER_REPLICATE)
    footage, target = warped[..., :3], warped[..., 3:]
    label = np.zeros((size, size), np.int32)
    weight = np.ones((size, size), np.float32)  # contribution of the topmost layer
    for i, layer in enumerate(layers[1:], start=1):
        a = layer.alpha[..., None]
        stack = np.concatenate([layer.footage * a, layer.painted * a, a], axis=2)  # premultiplied
        warped = _warp(stack, layer.maps[t], size, cv2.BORDER_CONSTANT)
        alpha = warped[..., 6:7]
        footage = footage * (1 - alpha) + warped[..., :3]
        target = target * (1 - alpha) + warped[..., 3:6]
        top = alpha[..., 0] > 0.5
        weight = np.where(top, alpha[..., 0], weight * (1 - alpha[..., 0]))
        label[top] = i
    label[weight < PURE] = -1
    return Frame(np.clip(footage, 0, 1), np.clip(target, 0, 1), label)


def _warp(img: np.ndarray, frame_to_tex: np.ndarray, size: int, border: int) -> np.ndarray:
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    return cv2.warpPerspective(
        img, frame_to_tex, (size, size), flags=flags, borderMode=border, borderValue=0
    )


def backward_flow(
    layers: list[Layer], t: int, label_t: np.ndarray, label_prev: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Flow (S, S, 2) from frame t to t-1 and validity (S, S): same pure layer there, inside the frame."""
    return correspondence(layers, t, t - 1, label_t, stable_labels(label_prev))


def correspondence(
    layers: list[Layer], t: int, k: int, label_t: np.ndarray, stable_k: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Flow (S, S, 2) from frame t to any frame k and validity (S, S).

    ``stable_k`` is ``stable_labels(label_k)``. A pixel of frame t is valid when it is pure
    (``label_t >= 0``), its layer's homographies carry it inside frame k, and frame k's nearest
    pixel there is stably that same layer: the surface point is visible in both frames.
    """
    size = label_t.shape[0]
    coords = np.arange(size, dtype=np.float64)
    owner = np.maximum(label_t, 0)  # blended pixels take the flow of the layer below, stay invalid
    u = v = np.zeros((size, size), np.float64)  # where each pixel of frame t lands in frame k
    for i, layer in enumerate(layers):
        sel = owner == i
        if sel.any():
            ui, vi = _map_grid(np.linalg.inv(layer.maps[k]) @ layer.maps[t], coords)
            u, v = np.where(sel, ui, u), np.where(sel, vi, v)
    lo, hi = -ROUND_OFF, size - 1 + ROUND_OFF
    inside = (u >= lo) & (u <= hi) & (v >= lo) & (v <= hi)
    ix = np.clip(np.rint(u), 0, size - 1).astype(np.intp)
    iy = np.clip(np.rint(v), 0, size - 1).astype(np.intp)
    valid = inside & (label_t >= 0) & (stable_k[iy, ix] == label_t)
    flow = np.stack([u - coords[None, :], v - coords[:, None]], -1, dtype=np.float32)
    return flow, valid


def _map_grid(h: np.ndarray, coords: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``camera.apply(h, grid)`` on the whole pixel grid, as x and y planes.

    Broadcasting rows against columns is several times faster than the (S*S, 2) matmul.
    """
    x, y = coords[None, :], coords[:, None]
    w = h[2, 0] * x + h[2, 1] * y + h[2, 2]
    return (h[0, 0] * x + h[0, 1] * y + h[0, 2]) / w, (h[1, 0] * x + h[1, 1] * y + h[1, 2]) / w


def stable_labels(label: np.ndarray) -> np.ndarray:
    """``label`` where its 3x3 neighbourhood (the bilinear taps) is all one label, else -2."""
    kernel = np.ones((3, 3), np.uint8)
    lab = (label + 1).astype(np.float32)
    same = cv2.erode(lab, kernel) == cv2.dilate(lab, kernel)
    return np.where(same, label, -2)
