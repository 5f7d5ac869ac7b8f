"""Layered rendering and analytic ground truth: a world texture under 0..N feathered cut-outs.

Footage and painted frames are warped from their textures with the *same* homographies and the same
bilinear sampling, so the painted animation moves exactly like the footage. Backward flow comes from
the geometry, not from an estimator: a pixel of frame t belongs to its topmost layer; that layer's
homographies carry it to frame t-1.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .camera import apply

PURE = 0.98  # a pixel whose top layer contributes less than this is a blend of two motions: invalid


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
    size = label_t.shape[0]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    grid = np.stack([xx, yy], -1)
    flow = np.zeros((size, size, 2), np.float64)
    owner = np.maximum(label_t, 0)  # blended pixels take the flow of the layer below, stay invalid
    for i, layer in enumerate(layers):
        sel = owner == i
        if sel.any():
            to_prev = np.linalg.inv(layer.maps[t - 1]) @ layer.maps[t]
            flow[sel] = apply(to_prev, grid[sel]) - grid[sel]
    target = grid + flow
    inside = (target >= 0).all(-1) & (target <= size - 1).all(-1)
    stable = _stable_labels(label_prev)  # bilinear taps at t-1 all on one pure layer
    ix = np.clip(np.rint(target[..., 0]), 0, size - 1).astype(int)
    iy = np.clip(np.rint(target[..., 1]), 0, size - 1).astype(int)
    valid = inside & (label_t >= 0) & (stable[iy, ix] == label_t)
    return flow.astype(np.float32), valid


def _stable_labels(label: np.ndarray) -> np.ndarray:
    kernel = np.ones((3, 3), np.uint8)
    lab = (label + 1).astype(np.float32)
    same = cv2.erode(lab, kernel) == cv2.dilate(lab, kernel)
    return np.where(same, label, -2)
