"""Step 3 of a render: painting + a stream of footage frames -> a stream of painterly frames.

:func:`stylise` encodes the painting once, runs overlapping windows of T frames
(:mod:`camfuse.render.windows`) at the model size and resizes each blended frame back to the
source size. With the painting-sampling path, the guide's optical flow runs on a background
thread (:mod:`camfuse.render.pipeline`) a window ahead of the model.

Keyframe role across windows: the painting is a paint-over of frame K. The window containing K
gets role 0 with keyframe ``K - start`` (the decoder marks that frame); every other window gets
role 0 with keyframe -1: the painting still depicts this scene, but no frame in the window is the
one painted over. When K lies in two overlapping windows, both see it.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np
import torch
import torch.nn.functional as F

from ..guide.palette import fit_palette
from ..guide.track import RENDER_FLOW, stream_guides
from ..models.inputs import fit_image, painting_size
from .pipeline import prefetch
from .runtime import autocast
from .windows import Window, blend_windows, plan_windows

log = logging.getLogger(__name__)


@torch.inference_mode()
def stylise(
    model: torch.nn.Module,
    painting: np.ndarray,
    frames: Iterable[np.ndarray],
    *,
    total: int,
    out_size: tuple[int, int],
    size: tuple[int, int],
    keyframe: int | None,
    strength: float = 1.0,
    window: int,
    overlap: int,
    palette: bool = True,
    precision: str = "fp32",
    flow: str = RENDER_FLOW,
    fill: Callable[[torch.Tensor], torch.Tensor] | None = None,
    shots: Sequence[range] | None = None,
) -> Iterator[np.ndarray]:
    """Yield painterly uint8 frames at ``out_size`` (w, h), pulling ``frames`` lazily.

    ``strength`` mixes the result with the footage, pixel by pixel (0: the footage, 1: the paint).
    ``fill`` (keyframe role): what paints the pixels the track cannot carry (the adapted shot
    painter, :mod:`camfuse.render.adapt`; default the keyframe's colour map). ``shots``: the
    footage's shots (:func:`camfuse.media.detect_shots`); the paint-over is not carried across a
    cut, and the style role fits its palette again at each cut.

    ``palette`` (style role only): move the finished frames' colours onto the reference's with one
    map fitted on the first frame (:mod:`camfuse.guide.palette`). ``precision``: "fp32" or "bf16"
    (autocast; :mod:`camfuse.render.runtime`). ``flow``: the keyframe track's DIS preset
    (:data:`camfuse.guide.flow.PRESETS`). ``model`` is a :class:`~camfuse.models.CamFuse` or
    anything with its inference interface (:class:`camfuse.onnx.runner.OnnxModel`)."""
    device = model_device(model)
    p = to_model(painting, size, device, crop=keyframe is None)[None]  # (1, 3, h, w)
    if (
        keyframe is not None
        and painting.shape[:2] != (size[1], size[0])  # at model size: painted on this very frame
        and abs(np.log(painting.shape[1] / painting.shape[0] * out_size[1] / out_size[0])) > 0.02
    ):
        log.warning(
            "the keyframe painting's aspect ratio differs from the footage's; it is stretched to fit"
        )
    cfg = getattr(model, "cfg", None)
    # attention over the painting's tokens is bounded like the decoder's (model.max_tokens)
    max_tokens = getattr(cfg, "max_tokens", None)
    pe = p if max_tokens is None else fit_image(p[0], painting_size(size, max_tokens))[None]
    with autocast(device, precision):
        features = model.encode_painting(pe)  # once per clip
    # the network always paints fully; --strength mixes its result with the footage in pixels
    # (scaling the modality weight inside the network changed the output by under 2/255)
    s = torch.tensor([1.0], device=device)

    # the painting-sampling path needs per-frame guide images (absent from older model configs)
    sampling = bool(getattr(cfg, "sampling", False))

    def run(win: Window, clip: list) -> list[torch.Tensor]:
        role, kf = window_conditioning(keyframe, win)
        frames_, guides = zip(*clip, strict=True) if sampling else (clip, None)
        with autocast(device, precision):
            out = model(
                pe,
                torch.stack(frames_)[None],
                role=torch.tensor([role], device=device),
                strength=s,
                keyframe=torch.tensor([kf], device=device),
                painting_features=features,
                **({"guide": torch.stack(guides)[None]} if sampling else {}),
            )
        return list(out.frames[0].float().clamp(0, 1))  # T x (3, h, w)

    originals: deque[np.ndarray] = deque()  # footage frames awaiting their output (strength < 1)
    inputs = (to_model(f, size, device) for f in _tap(frames, originals, strength < 1))
    shot = _shot_of(shots, keyframe)
    if sampling:  # (frame, guide) pairs, tracked along the whole shot, not per window;
        # the flow runs on a background thread, a window ahead of the model
        guides = stream_guides(p[0], inputs, keyframe, preset=flow, fill=fill, shot=shot)
        inputs = prefetch(guides, depth=window)
    try:
        outputs = blend_windows(inputs, plan_windows(total, window, overlap), run)
        if palette and keyframe is None:
            outputs = _per_shot_palette(outputs, p[0], shots)
        for y in outputs:
            image = _to_image(y, out_size)
            if strength < 1:
                image = _mix(originals.popleft(), image, strength)
            yield image
    finally:  # on any error or early close: stop and join the guide's thread now, not at exit
        close = getattr(inputs, "close", None)
        if close is not None:
            close()


@dataclass(frozen=True)
class ShotKey:
    """One shot rendered in the keyframe role from a painted frame of its own."""

    shot: range  # the shot's frames in the clip
    keyframe: int  # the painted frame's number in the clip (inside ``shot``)
    painting: np.ndarray  # uint8 (H, W, 3): the painted frame
    fill: Callable[[torch.Tensor], torch.Tensor] | None  # paints what the track cannot carry


def stylise_shots(
    model: torch.nn.Module, keys: Sequence[ShotKey], frames: Iterable[np.ndarray], **options
) -> Iterator[np.ndarray]:
    """:func:`stylise` shot by shot, each shot in the keyframe role with its own painted frame
    (:mod:`camfuse.render.style_key`); ``keys`` cover the clip in order. ``options``: stylise's
    keywords except painting, total, keyframe, fill, shots and palette (the painted frames
    already carry the reference's colours)."""
    it = iter(frames)
    for k in keys:
        yield from stylise(
            model,
            k.painting,
            islice(it, len(k.shot)),
            total=len(k.shot),
            keyframe=k.keyframe - k.shot.start,
            fill=k.fill,
            palette=False,
            **options,
        )


PALETTE_FRAMES = 4  # frames of a shot its palette is fitted on: one frame's colours flicker


def _per_shot_palette(
    frames: Iterator[torch.Tensor], painting: torch.Tensor, shots: Sequence[range] | None
) -> Iterator[torch.Tensor]:
    """Move each shot's colours onto the reference's palette with one map per shot, fitted on the
    shot's first PALETTE_FRAMES frames side by side (held meanwhile), applied to all of them."""
    starts = {r.start for r in shots or ()}
    held: list[torch.Tensor] = []
    colours = None
    for i, y in enumerate(frames):
        if i in starts:  # a cut: the next shot gets its own map
            if held:
                yield from _fit_and_apply(held, painting)[1]
                held = []
            colours = None
        if colours is None:
            held.append(y)
            if len(held) == PALETTE_FRAMES:
                colours, fitted = _fit_and_apply(held, painting)
                yield from fitted
                held = []
            continue
        yield colours(y)
    if held:
        yield from _fit_and_apply(held, painting)[1]


def _fit_and_apply(held: list[torch.Tensor], painting: torch.Tensor):
    colours = fit_palette(torch.cat(held, dim=-1), painting)
    return colours, [colours(x) for x in held]


def _tap(frames: Iterable[np.ndarray], into: deque, active: bool) -> Iterator[np.ndarray]:
    for f in frames:
        if active:
            into.append(f)
        yield f


def _mix(footage: np.ndarray, paint: np.ndarray, strength: float) -> np.ndarray:
    """footage + strength * (paint - footage), both uint8 (H, W, 3) at the output size."""
    f = footage.astype(np.float32)
    return np.clip(f + strength * (paint.astype(np.float32) - f) + 0.5, 0, 255).astype(np.uint8)


def _shot_of(shots: Sequence[range] | None, keyframe: int | None) -> range | None:
    if not shots or keyframe is None:
        return None
    return next((r for r in shots if keyframe in r), None)


def model_device(model) -> torch.device:
    """Where the model's inputs must live: a module's parameters, or a runner's ``device``."""
    device = getattr(model, "device", None)
    return device if isinstance(device, torch.device) else next(model.parameters()).device


def window_conditioning(keyframe: int | None, win: Window) -> tuple[int, int]:
    """(role, keyframe index within the window) for one window; see the module docstring."""
    if keyframe is None:
        return 1, -1
    return 0, keyframe - win.start if win.start <= keyframe < win.stop else -1


def to_model(
    image: np.ndarray, size: tuple[int, int], device: torch.device, *, crop: bool = False
) -> torch.Tensor:
    """uint8 (H, W, 3) -> float (3, h, w) in [0, 1]; ``crop`` centre-crops to the target aspect first."""
    x = torch.from_numpy(image).to(device).permute(2, 0, 1).float() / 255
    return fit_image(x, size, crop=crop)


def _to_image(x: torch.Tensor, size: tuple[int, int]) -> np.ndarray:
    """float (3, h, w) -> uint8 (H, W, 3) at ``size`` (w, h)."""
    x = F.interpolate(
        x[None].float(),
        size=(size[1], size[0]),
        mode="bilinear",
        antialias=True,
        align_corners=False,
    )[0]
    return (x.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).cpu().numpy()


__all__ = ["ShotKey", "model_device", "stylise", "stylise_shots", "to_model", "window_conditioning"]
