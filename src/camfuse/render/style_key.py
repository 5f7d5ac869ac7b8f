"""Style role: paint one frame of each shot from the reference, then carry it like a paint-over.

A style reference shows another scene, so nothing in it can be tracked onto the footage, and the
bundled network, trained from random weights on procedural painters, turns footage plus a reference
into a colour-filtered copy of the footage: no marks of the painting. This module gives the style
role the keyframe role's machinery instead (approach (a) of issue 13, measured in docs/results.md):

1. pick one frame of the shot (its middle frame: the track then runs half the shot each way);
2. paint it from the reference by optimisation on pretrained image features (Gatys et al., CVPR
   2016): the image starts as the frame with the reference's colour mean and covariance
   (:func:`camfuse.guide.track.fit_transfer`) and descends a style loss (softmax-smoothed Gram
   matrices of EfficientNet-Lite0 features, :class:`camfuse.losses.PretrainedStyleLoss`, which
   reproduces the painting's strokes, canvas and palette) plus a content loss (the same network's
   features of the frame, which keep its structure);
3. render the shot in the keyframe role with that painted frame as the paint-over: the track
   carries its marks along the motion (so they stick to the surfaces instead of boiling), and the
   adapted fill (:mod:`camfuse.render.adapt`) paints what the track cannot carry.

Each painted frame is cached under ``$CAMFUSE_CACHE/keys/`` by a hash of the frame, the reference
and the settings, so a re-render starts at once.

Caveat: one painted frame per shot. A long shot whose content changes completely has most of its
frames painted by the adapted fill, which learned the look from that one frame.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..guide.colour import fit_transfer
from ..media import MediaError, read_image, staged_output, write_image
from ..models.inputs import to_uint8

log = logging.getLogger(__name__)

VERSION = 1  # bump when the optimisation changes: invalidates the cache


@dataclass(frozen=True)
class KeySettings:
    steps: int = 200
    lr: float = 0.02  # Adam on the pixels (in [0, 1])
    # content loss weight (style: 1). On the 8 style clips of a ground-truth split (256 px), 0.1
    # gave a style distance of 0.323 and 0.05 gave 0.277, at the same warping error. Seen on bikes
    # (docs/img/style_keys.jpg: 0.02, 0.05, 0.1): lower weights trade legible faces for canvas;
    # with a stroke-heavier oil painting of the cat as reference, 0.02 put cat eyes in the asphalt
    content: float = 0.05
    seed: int = 0

    def key(self) -> str:
        return f"v{VERSION}-{self}"


def key_frame(shot: range) -> int:
    """The frame of ``shot`` that is painted: its middle one."""
    return shot.start + (len(shot) - 1) // 2


def paint_from_reference(
    frame: torch.Tensor,
    reference: torch.Tensor,
    settings: KeySettings = KeySettings(),
    *,
    cache: Path | None = None,
    on_progress: Callable[[int, int, float], None] | None = None,
) -> torch.Tensor:
    """``frame`` (3, H, W) painted in the manner of ``reference`` (3, H', W'), both in [0, 1];
    returns (3, H, W). Loaded from ``cache`` when this frame, reference and settings were painted
    before. Callable from inside ``torch.inference_mode``."""
    frame, reference = frame.float().cpu(), reference.float().cpu()
    path = cache / f"{key_hash(frame, reference, settings)}.png" if cache else None
    if path is not None and path.is_file():
        try:
            image = read_image(path)
            if image.shape[:2] == tuple(frame.shape[-2:]):
                log.info("style key: loaded %s", path)
                return torch.from_numpy(image).permute(2, 0, 1).float() / 255
        except MediaError as exc:
            log.warning("style key cache %s unusable (%s): painting again", path, exc)
    with torch.inference_mode(False), torch.enable_grad():
        out = _optimise(frame.clone(), reference.clone(), settings, on_progress)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with staged_output(path, "file", overwrite=True) as tmp:
            write_image(tmp, to_uint8(out))
        out = torch.from_numpy(to_uint8(out)).permute(2, 0, 1).float() / 255  # as a hit gives
    return out


def _optimise(frame, reference, settings, on_progress) -> torch.Tensor:
    from ..losses import PretrainedStyleLoss
    from ..models.pretrained import PretrainedFeatures

    features = PretrainedFeatures()
    style = PretrainedStyleLoss(features=features)
    with torch.no_grad():
        style_target = [style.stats(f) for f in features(reference[None])]
        content_target = features(frame[None])
    x = fit_transfer(frame, reference)(frame)[None].clone().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=settings.lr)
    start, first, loss = time.perf_counter(), None, torch.zeros(())
    for step in range(settings.steps):
        feats = features(x)
        loss = sum(
            w * (style.stats(f) - s).abs().mean()
            for w, f, s in zip(style.weights, feats, style_target, strict=True)
        ) + settings.content * sum(
            (f - c).abs().mean() for f, c in zip(feats, content_target, strict=True)
        )
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        first = loss.item() if first is None else first
        if on_progress:
            on_progress(step + 1, settings.steps, loss.item())
    log.info(
        "style key: %d steps in %.1f s, loss %.4f -> %.4f",
        settings.steps,
        time.perf_counter() - start,
        first if first is not None else float("nan"),
        loss.item(),
    )
    return x.detach()[0]


def key_hash(frame: torch.Tensor, reference: torch.Tensor, settings: KeySettings) -> str:
    h = hashlib.sha256()
    for t in (frame, reference):
        h.update(str(tuple(t.shape)).encode())
        h.update(np.ascontiguousarray(to_uint8(t)).tobytes())
    h.update(settings.key().encode())
    return h.hexdigest()[:24]


def key_cache() -> Path:
    """Where painted style keys are kept: ``$CAMFUSE_CACHE/keys`` (default ~/.cache/camfuse/keys)."""
    from ..onnx.cache import cache_root

    return cache_root() / "keys"


__all__ = ["KeySettings", "key_cache", "key_frame", "key_hash", "paint_from_reference"]
