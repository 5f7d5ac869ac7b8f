"""Per-shot adaptation: learn the shot's paint from its painted keyframe before rendering the shot.

The artist's paint-over of frame K and footage frame K are the only ground truth a shot has. Two
stages, both fitted on that pair alone:

1. **Feature map** (:class:`FeatureMap`, closed form, about a second): a ridge regression from
   each pixel's quadratic colour terms and its ImageNet EfficientNet-Lite0 hypercolumn (features at
   strides 2, 4 and 8, upsampled to the pixel; :mod:`camfuse.models.pretrained`) to the paint. The
   features describe the pixel's neighbourhood (edges, texture, what kind of surface), so the map
   reproduces what a painter does as a function of them: dark outlines on edges, flat cel regions,
   washes. The ridge weight is chosen per shot by 2-fold cross-validation on the keyframe (left
   half against right half). On new content it beat the quadratic colour map by 0.9 dB and the
   trained network alone (stage 2 on the colour map, 600 steps) by 0.2 dB at 1/60 of the time
   (docs/results.md).
2. **Shot painter** (:class:`camfuse.models.shot_painter.ShotPainter`, ``steps`` of Adam, the
   ``--adapt`` budget): a small U-Net trained on random patches of the pair, each warped by a small
   random rotation/scale/flip (the same warp for both), with the footage's exposure, gamma and
   noise varied, with an L1 and a perceptual loss (pretrained features), learning a residual on
   top of stage 1: the marks a per-pixel linear map cannot make.

The result paints every pixel the track cannot carry (:func:`camfuse.guide.track.stream_guides`'s
``fill``). Trained weights are cached per shot under ``$CAMFUSE_CACHE/adapt/`` (see
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

from ..guide.colour import colour_terms
from ..media import staged_output
from ..models.shot_painter import WIDTHS, ShotPainter

log = logging.getLogger(__name__)

VERSION = 2  # bump when the painter, the loss or the augmentation changes: invalidates the cache
# `--adapt auto`, both roles: the feature map alone (about a second a shot at 256 px; 600 painter
# steps took 107 s). On held-out material the shot painter's steps did not pay (docs/results.md,
# issue 23). Keyframe role: real footage at full size (6 clips, bikes + bigbuckbunny x oil, pencil,
# watercolour) 26.64 dB with 0 steps, 26.61 with 100, 26.47 with 600; 48-frame synthetic clips of
# painters not used in tuning (pencil, watercolour, cel) 28.18 / 28.02 / 28.08 dB with 0 / 100 /
# 600 (new content 23.61 / 23.42 / 23.42). Style role (4 held-out clips, pencil + watercolour,
# from the painted key): 15.96 / 15.94 / 15.93 dB, FD* 231 / 231 / 234, style distance 0.289 /
# 0.289 / 0.287, warping error 1.88 / 1.88 / 1.82 x10^-3 with 0 / 60 / 600.
AUTO_STEPS = 0


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


FEATURE_STRIDES = (2, 4, 8)  # stride 16 too: -0.8 dB on new content (its features do not transfer)
RIDGE_WEIGHTS = (1e-3, 1e-2, 1e-1, 1.0, 10.0)  # x (pixels / 1000); cross-validated per shot
COLOUR_TERMS = 10  # quadratic colour terms, incl. the constant: not standardised


class FeatureMap(torch.nn.Module):
    """(B, 3, H, W) footage -> (B, 3, H, W) paint, linear in each pixel's colour terms and
    pretrained hypercolumn (stage 1 of the module docstring). Frozen; fitted by :func:`fit_features`."""

    def __init__(self, mean: torch.Tensor, std: torch.Tensor, weights: torch.Tensor) -> None:
        super().__init__()
        from ..models.pretrained import PretrainedFeatures

        self.features = PretrainedFeatures(strides=FEATURE_STRIDES)
        self.register_buffer("mean", mean.float())
        self.register_buffer("std", std.float())
        self.register_buffer("weights", weights.float())  # (F, 3)

    def columns(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, H, W) -> (B, H, W, F) unstandardised per-pixel features."""
        h, w = x.shape[-2:]
        with torch.no_grad():
            maps = [F.interpolate(f, size=(h, w), mode="bilinear") for f in self.features(x)]
        rgb = colour_terms(x.movedim(1, -1), quadratic=True)
        return torch.cat([rgb, torch.cat(maps, 1).movedim(1, -1)], -1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(columns(x) - mean) / std @ weights``, computed without the per-pixel columns: the
        standardisation is folded into the weights, and each feature level is projected to the
        three output channels at its own stride and only then upsampled. Bilinear upsampling is
        linear, so this is the same map (to float rounding) at a fraction of the cost: the
        hypercolumn's ~100 channels are never materialised at the frame's size."""
        x = x.float()
        h, w = x.shape[-2:]
        scaled = self.weights / self.std[:, None]  # (F, 3)
        out = colour_terms(x.movedim(1, -1), quadratic=True) @ scaled[:COLOUR_TERMS]
        out = out.movedim(-1, 1) - ((self.mean / self.std) @ self.weights)[None, :, None, None]
        start = COLOUR_TERMS
        with torch.no_grad():
            for f in self.features(x):
                part = scaled[start : start + f.shape[1]]
                start += f.shape[1]
                out = out + F.interpolate(
                    torch.einsum("bchw,co->bohw", f, part), size=(h, w), mode="bilinear"
                )
        return out.clamp(0, 1)


def fit_features(key: torch.Tensor, painting: torch.Tensor) -> FeatureMap:
    """Fit stage 1 on the keyframe pair, (3, H, W) each; the ridge weight by 2-fold CV."""
    fm = FeatureMap(torch.zeros(1), torch.ones(1), torch.zeros(1, 3))
    x = fm.columns(key[None].float())[0]  # (H, W, F)
    w = x.shape[1]
    x, y = x.reshape(-1, x.shape[-1]).double(), painting.reshape(3, -1).T.double()
    mean, std = x.mean(0), x.std(0).clamp_min(1e-3)
    mean[:COLOUR_TERMS], std[:COLOUR_TERMS] = 0, 1
    z = (x - mean) / std
    left = torch.arange(z.shape[0]) % w < w // 2
    best = min(
        RIDGE_WEIGHTS,
        key=lambda lam: sum(
            float((z[~m] @ _ridge(z[m], y[m], lam) - y[~m]).square().mean()) for m in (left, ~left)
        ),
    )
    # the same module, its buffers replaced: building a second one would copy the trunk again
    fm.mean, fm.std, fm.weights = mean.float(), std.float(), _ridge(z, y, best).float()
    log.info("adaptation: feature map fitted (ridge weight %g)", best)
    return fm


def _ridge(x: torch.Tensor, y: torch.Tensor, lam: float) -> torch.Tensor:
    eye = torch.eye(x.shape[1], dtype=x.dtype)
    return torch.linalg.solve(x.T @ x + lam * x.shape[0] / 1000 * eye, x.T @ y)


class AdaptedFill:
    """frame (3, H, W) -> paint (3, H, W): the feature map, plus the trained shot painter's
    residual when there is one."""

    def __init__(self, painter: ShotPainter | None, colours: FeatureMap) -> None:
        self.painter, self.colours = painter.eval() if painter else None, colours

    @torch.no_grad()
    def __call__(self, frame: torch.Tensor) -> torch.Tensor:
        x = frame[None].float().cpu()
        y = self.colours(x)
        if self.painter is not None:
            y = self.painter(x, y)
        return y[0].to(frame.device, frame.dtype)


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
    colours = fit_features(key, painting)
    if settings.steps == 0:
        return AdaptedFill(None, colours)
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
    colours: FeatureMap,
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
    "FeatureMap",
    "fit_features",
    "adapt",
    "adapt_cache",
    "augment",
    "shot_hash",
    "train",
]
