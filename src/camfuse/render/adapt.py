"""Per-shot adaptation: train a shot painter on the painted keyframe before rendering the shot.

The artist's paint-over of frame K and footage frame K are the only ground truth a shot has. The
shot painter (:class:`camfuse.models.shot_painter.ShotPainter`) is trained on random patches of
that pair, each warped by a small random rotation/scale/flip (the same warp for both), with the
footage's exposure, gamma and noise varied (the other frames of the shot differ from frame K in
exactly these ways), with an L1 and a perceptual loss (pretrained EfficientNet-Lite0 features,
:mod:`camfuse.models.pretrained`, when available). It then paints every pixel the track cannot
carry (:func:`camfuse.guide.track.stream_guides`'s ``fill``).

Adapted weights are cached per shot under ``$CAMFUSE_CACHE/adapt/`` (see
:func:`camfuse.onnx.cache.cache_root`), keyed by a hash of the keyframe pair at model size and the
settings, so a re-render with other output options starts at once.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..guide.track import ColourMap, fit_regression
from ..media import staged_output
from ..models.shot_painter import WIDTHS, ShotPainter

log = logging.getLogger(__name__)

VERSION = 1  # bump when the painter, the loss or the augmentation changes: invalidates the cache
AUTO_STEPS = 600  # `--adapt auto`: about 90 s at 256 px on this project's 2 CPU cores


@dataclass(frozen=True)
class AdaptSettings:
    steps: int = AUTO_STEPS
    patch: int = 64  # px; several strokes wide at 256 px
    batch: int = 8
    lr: float = 3e-3  # one-cycle peak (with gradient clipping; unclipped, 3e-3 diverged)
    perceptual: float = 0.01  # pretrained-feature loss weight: its values run ~50x L1's (losses.py)
    seed: int = 0

    def key(self) -> str:
        return f"v{VERSION}-w{'.'.join(map(str, WIDTHS))}-{self}"


class AdaptedFill:
    """frame (3, H, W) -> paint (3, H, W): the trained painter on top of the shot's colour map."""

    def __init__(self, painter: ShotPainter, colours: ColourMap) -> None:
        self.painter, self.colours = painter.eval(), colours

    @torch.no_grad()
    def __call__(self, frame: torch.Tensor) -> torch.Tensor:
        x = frame[None].float()
        return self.painter(x, self.colours(x))[0].to(frame.dtype)


def adapt(
    key: torch.Tensor,
    painting: torch.Tensor,
    settings: AdaptSettings = AdaptSettings(),
    *,
    cache: Path | None = None,
    on_progress: Callable[[int, int, float], None] | None = None,
) -> AdaptedFill:
    """Train (or load from ``cache``) the shot painter for keyframe footage ``key`` and its
    paint-over ``painting``, both (3, H, W) in [0, 1] at model size. Callable from inside
    ``torch.inference_mode`` (the evaluation runs methods so): training leaves it."""
    with torch.inference_mode(False):
        return _adapt(key.float().cpu().clone(), painting.float().cpu().clone(), settings, cache,
                      on_progress)  # fmt: skip


def _adapt(key, painting, settings, cache, on_progress) -> AdaptedFill:
    colours = fit_regression(key, painting)
    with torch.random.fork_rng():
        torch.manual_seed(settings.seed)  # the same shot and settings give the same painter
        painter = ShotPainter()
    path = cache / f"{shot_hash(key, painting, settings)}.safetensors" if cache else None
    if path is not None and path.is_file():
        try:
            painter.load_state_dict(load_file(str(path)))
            log.info("adaptation: loaded %s", path)
            return AdaptedFill(painter, colours)
        except (SafetensorError, RuntimeError, OSError, KeyError) as exc:  # damaged: train again
            log.warning("adaptation cache %s unusable (%s): training again", path, exc)
    train(painter, colours, key, painting, settings, on_progress=on_progress)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with staged_output(path, "file", overwrite=True) as tmp:
            save_file({k: v.contiguous() for k, v in painter.state_dict().items()}, str(tmp))
    return AdaptedFill(painter, colours)


def train(
    painter: ShotPainter,
    colours: ColourMap,
    key: torch.Tensor,
    painting: torch.Tensor,
    settings: AdaptSettings,
    *,
    on_progress: Callable[[int, int, float], None] | None = None,
) -> list[float]:
    """Fit ``painter`` on augmented patches of (key -> painting); returns the loss per step.

    Callable from inside ``torch.inference_mode`` / ``no_grad`` (the evaluation runs methods so)."""
    with torch.inference_mode(False), torch.enable_grad():
        key, painting = key.clone(), painting.clone()  # normal tensors, not inference ones
        return _train(painter, colours, key, painting, settings, on_progress)


def _train(painter, colours, key, painting, settings, on_progress) -> list[float]:
    g = torch.Generator().manual_seed(settings.seed)
    perceptual = _perceptual()
    opt = torch.optim.Adam(painter.parameters(), lr=settings.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=settings.lr, total_steps=max(settings.steps, 1), pct_start=0.1
    )
    pair = torch.cat([key, painting])[None]  # (1, 6, H, W)
    losses, start = [], time.perf_counter()
    painter.train()
    for step in range(settings.steps):
        frames, target = augment(pair, settings.patch, settings.batch, g)
        pred = painter(frames, colours(frames))
        loss = F.l1_loss(pred, target)
        if perceptual is not None and settings.perceptual > 0:
            loss = loss + settings.perceptual * perceptual(pred, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(painter.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(loss.item())
        if on_progress:
            on_progress(step + 1, settings.steps, losses[-1])
    painter.eval()
    log.info(
        "adaptation: %d steps in %.1f s, loss %.4f -> %.4f",
        settings.steps,
        time.perf_counter() - start,
        losses[0] if losses else math.nan,
        losses[-1] if losses else math.nan,
    )
    return losses


def augment(
    pair: torch.Tensor, patch: int, batch: int, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(1, 6, H, W) footage+painting -> ``batch`` patches of each (B, 3, patch, patch).

    Geometry (shared): a random centre, rotation within ±10°, scale 0.8-1.25, mirror half the time.
    Photometry (footage only): exposure gain 0.8-1.2, gamma 0.85-1.15, sensor noise up to 2 %."""
    _, _, h, w = pair.shape
    u = lambda lo, hi: lo + (hi - lo) * torch.rand(batch, generator=g)  # noqa: E731
    angle, scale = u(-10, 10) * math.pi / 180, u(0.8, 1.25)
    flip = torch.where(torch.rand(batch, generator=g) < 0.5, -1.0, 1.0)
    sx, sy = patch / w * scale, patch / h * scale  # the patch's extent in normalised coordinates
    cx, cy = u(-1 + sx, 1 - sx), u(-1 + sy, 1 - sy)
    cos, sin = torch.cos(angle), torch.sin(angle)
    theta = torch.stack(
        [
            torch.stack([cos * sx * flip, -sin * sy, cx], dim=1),
            torch.stack([sin * sx * flip, cos * sy, cy], dim=1),
        ],
        dim=1,
    )  # (B, 2, 3): output patch -> input image
    grid = F.affine_grid(theta, [batch, 6, patch, patch], align_corners=False)
    out = F.grid_sample(
        pair.expand(batch, -1, -1, -1), grid, mode="bilinear", padding_mode="reflection",
        align_corners=False,
    )  # fmt: skip
    frames, target = out[:, :3], out[:, 3:]
    gain = u(0.8, 1.2)[:, None, None, None]
    gamma = u(0.85, 1.15)[:, None, None, None]
    noise = u(0.0, 0.02)[:, None, None, None] * torch.randn(frames.shape, generator=g)
    frames = ((frames.clamp(0, 1) * gain).clamp(1e-4, 1) ** gamma + noise).clamp(0, 1)
    return frames, target


def adapt_cache() -> Path:
    """Where adapted painters are kept: ``$CAMFUSE_CACHE/adapt`` (default ~/.cache/camfuse/adapt)."""
    from ..onnx.cache import cache_root

    return cache_root() / "adapt"


def shot_hash(key: torch.Tensor, painting: torch.Tensor, settings: AdaptSettings) -> str:
    h = hashlib.sha256()
    for t in (key, painting):
        h.update(str(tuple(t.shape)).encode())
        h.update((t.float().clamp(0, 1) * 255).round().to(torch.uint8).numpy().tobytes())
    h.update(settings.key().encode())
    return h.hexdigest()[:24]


def _perceptual() -> torch.nn.Module | None:
    """The pretrained-feature loss, or None where its weights are not installed (L1 alone)."""
    try:
        from ..losses import PerceptualLoss
    except ImportError:
        return None
    try:
        return PerceptualLoss()
    except (ValueError, OSError) as exc:
        log.warning("adaptation without the perceptual loss: %s", exc)
        return None


__all__ = [
    "AUTO_STEPS",
    "AdaptSettings",
    "AdaptedFill",
    "adapt",
    "adapt_cache",
    "augment",
    "shot_hash",
    "train",
]
