"""Step 3 of a render: painting + a stream of footage frames -> a stream of painterly frames.

:func:`stylise` encodes the painting once, runs overlapping windows of T frames
(:mod:`camfuse.render.windows`) at the model size and resizes each blended frame back to the
source size. With the painting-sampling path, the guide's optical flow runs on a background
thread (:mod:`camfuse.render.pipeline`) a window ahead of the model.

Keyframe role across windows: the painting is a paint-over of frame K. The window containing K
gets role 0 with keyframe ``K - start`` (the decoder marks that frame); every other window gets
role 0 with keyframe -1: the painting still depicts this scene, but no frame in the window is the
one painted over. When K lies in two overlapping windows, both see it. With several keyframes,
each window is conditioned on the painting of the keyframe nearest its middle; the guide carries
all of them (:func:`camfuse.guide.track.track_keys`). The final mix with the footage (strength,
mask, the paint's alpha) is :mod:`camfuse.render.compose`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

import numpy as np
import torch

from ..guide.palette import fit_palette
from ..guide.track import RENDER_FLOW, guide_paint, stream_guides, track_keys
from ..models.inputs import fit_image, painting_size
from .compose import Composer
from .detail import FullSizePaint
from .inputs import shots_within
from .pipeline import prefetch
from .runtime import autocast
from .windows import Window, blend_windows, plan_windows

log = logging.getLogger(__name__)


@torch.inference_mode()
def stylise(
    model: torch.nn.Module,
    painting: np.ndarray | Sequence[np.ndarray],
    frames: Iterable[np.ndarray],
    *,
    total: int,
    out_size: tuple[int, int],
    size: tuple[int, int],
    keyframe: int | Sequence[int] | None,
    strength: float = 1.0,
    window: int,
    overlap: int,
    palette: bool = True,
    precision: str = "fp32",
    flow: str = RENDER_FLOW,
    fill: Callable[[torch.Tensor], torch.Tensor] | None = None,
    shots: Sequence[range] | None = None,
    masks: Iterable[np.ndarray] | None = None,
    regions: Sequence[np.ndarray] | None = None,
    emit: range | None = None,
    alpha: bool = False,
    depth: int = 8,
    resolution: str = "full",
    network: bool = True,
    strokes: bool = True,
) -> Iterator[np.ndarray]:
    """Yield painterly uint8 frames at ``out_size`` (w, h), pulling ``frames`` lazily.

    ``keyframe``: K with one painting (uint8 (H, W, 3|4)), or several frame numbers with a list
    of paintings in the same order (:func:`camfuse.guide.track.track_keys`); a fourth channel is
    the paint's alpha (0: keep the footage). None: the style role, ``painting`` is the reference.
    ``strength`` mixes the result with the footage, pixel by pixel (0: the footage, 1: the paint);
    ``masks`` (one uint8 (H, W) per frame at the source size, > 0 inside) limit the paint to the
    mask, with a soft edge (:mod:`camfuse.render.compose`); ``regions`` (uint8 (H, W) per
    keyframe, in the paintings' order: the mask at each keyframe) limit what each keyframe's paint
    is carried from. ``alpha``: yield RGBA frames, the paint and where it goes, instead of mixing
    with the footage. ``depth``: 8 (uint8 frames) or 16 (uint16). ``resolution``: "full" carries
    the paint-overs' detail at ``out_size`` (:mod:`camfuse.render.detail`); "model" scales the
    model-size frame up. ``network=False`` renders the same path without the network: each
    frame is its guide's paint (:func:`camfuse.guide.track.guide_paint`), composed as usual.
    ``strokes`` (with "full"): copy the keyframe's brush marks where the fill paints
    (:mod:`camfuse.render.strokes`).
    ``total`` frames are read; ``emit`` (default all) are the ones rendered and yielded, the rest
    only tracked through (a frame range whose keyframes lie outside it).
    ``fill`` (keyframe role): what paints the pixels the track cannot carry (the adapted shot
    painter, :mod:`camfuse.render.adapt`; default the keyframes' colour maps). ``shots``: the
    footage's shots (:func:`camfuse.media.detect_shots`); paint is not carried across a cut, and
    the style role fits its palette again at each cut.

    ``palette`` (style role only): move the finished frames' colours onto the reference's with one
    map fitted per shot (:mod:`camfuse.guide.palette`). ``precision``: "fp32" or "bf16"
    (autocast; :mod:`camfuse.render.runtime`). ``flow``: the keyframe track's DIS preset
    (:data:`camfuse.guide.flow.PRESETS`). ``model`` is a :class:`~camfuse.models.CamFuse` or
    anything with its inference interface (:class:`camfuse.onnx.runner.OnnxModel`)."""
    device = model_device(model)
    keys = KeyPaintings.of(painting, keyframe, size, device, out_size, regions)
    emit = emit if emit is not None else range(total)
    cfg = getattr(model, "cfg", None)
    encode = _painting_encoder(model, size, device, precision)
    # the network always paints fully; --strength mixes its result with the footage in pixels
    # (scaling the modality weight inside the network changed the output by under 2/255)
    s = torch.tensor([1.0], device=device)

    # the painting-sampling path needs per-frame guide images (absent from older model configs)
    sampling = bool(getattr(cfg, "sampling", False)) or not network

    def guides_alone(win: Window, clip: list) -> list[torch.Tensor]:
        return [guide_paint(g) for _, g in clip]

    def run(win: Window, clip: list) -> list[torch.Tensor]:
        role, kf, which = window_conditioning(keys.frames, win, offset=emit.start)
        pe, features = encode(keys.rgb[which])
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

    detail = None
    larger = out_size[0] > size[0] or out_size[1] > size[1]  # else nothing to add
    if resolution == "full" and keys.frames and sampling and larger:
        detail = FullSizePaint(
            dict(zip(keys.frames, keys.sources, strict=True)), out_size, size, device, strokes
        )
    composer = Composer(
        strength=strength,
        masks=masks,
        carried=keys.has_alpha,
        rgba=alpha,
        depth=depth,
        detail=detail,
    )
    inputs = (to_model(f, size, device) for f in composer.tap_frames(frames, emit))
    if sampling:  # (frame, guide) pairs, tracked along the whole shot, not per window;
        # the flow runs on a background thread, a window ahead of the model
        if keys.frames:
            tracked = track_keys(
                keys.stack(), inputs, keys.frames, preset=flow, fill=fill, shots=shots,
                regions=keys.regions,
            )  # fmt: skip
            tracked = ((t.frame, t.guide, t.alpha, t.carried, t.trust) for t in tracked)
        else:
            guides = stream_guides(keys.rgb[0], inputs, None)
            tracked = ((f, g, None, (), None) for f, g in guides)
        inputs = prefetch(composer.tap_tracked(tracked, emit), depth=window)
    else:
        inputs = composer.tap_tracked(((f, None, None, (), None) for f in inputs), emit)
        inputs = (f for f, _ in inputs)
    try:
        outputs = blend_windows(
            inputs, plan_windows(len(emit), window, overlap), run if network else guides_alone
        )
        if palette and not keys.frames:
            outputs = _per_shot_palette(outputs, keys.rgb[0], shots_within(shots, emit))
        for y in outputs:
            yield composer.compose(y, out_size)
    finally:  # on any error or early close: stop and join the guide's thread now, not at exit
        close = getattr(inputs, "close", None)
        if close is not None:
            close()


class KeyPaintings:
    """The paintings of a render at model size: the keyframes' (sorted by frame) or the style
    reference (``frames`` empty)."""

    def __init__(
        self,
        frames: list[int],
        images: list[torch.Tensor],
        regions: torch.Tensor | None = None,
        sources: list[np.ndarray] | None = None,
    ) -> None:
        self.frames = frames
        self.sources = sources or []  # the paint-overs as given, uint8 (H, W, 3|4), same order
        self.regions = regions  # (N, 1, h, w): where each keyframe's paint may be carried from
        self.images = images  # (3|4, h, w) each, in [0, 1]
        self.rgb = [x[:3] for x in images]
        self.has_alpha = any(len(x) == 4 for x in images)

    @classmethod
    def of(cls, painting, keyframe, size, device, out_size, regions=None) -> KeyPaintings:
        if keyframe is None:  # the reference, centre-cropped to the frame's aspect
            return cls([], [to_model(painting, size, device, crop=True)])
        frames = [keyframe] if isinstance(keyframe, int) else list(keyframe)
        paintings = [painting] if isinstance(keyframe, int) else list(painting)
        if len(paintings) != len(frames):
            raise ValueError(
                f"{len(frames)} keyframes need as many paintings, got {len(paintings)}"
            )
        order = sorted(range(len(frames)), key=frames.__getitem__)
        for p in paintings:
            _warn_aspect(p, size, out_size)
        limits = None
        if regions is not None:
            grey = [np.repeat(regions[j][..., None], 3, -1) for j in order]
            limits = torch.stack([to_model(g, size, device)[:1] for g in grey])
        images = [to_model(paintings[j], size, device) for j in order]
        return cls([frames[j] for j in order], images, limits, [paintings[j] for j in order])

    def stack(self) -> torch.Tensor:
        """(N, 3|4, h, w): opaque paintings get alpha 1 when any has alpha."""
        if not self.has_alpha:
            return torch.stack(self.rgb)
        ones = self.rgb[0].new_ones(1, *self.rgb[0].shape[-2:])
        return torch.stack([x if len(x) == 4 else torch.cat([x, ones]) for x in self.images])


def _warn_aspect(painting: np.ndarray, size: tuple[int, int], out_size: tuple[int, int]) -> None:
    if (
        painting.shape[:2] != (size[1], size[0])  # at model size: painted on this very frame
        and abs(np.log(painting.shape[1] / painting.shape[0] * out_size[1] / out_size[0])) > 0.02
    ):
        log.warning(
            "the keyframe painting's aspect ratio differs from the footage's; it is stretched to fit"
        )


def _painting_encoder(model, size, device, precision):
    """rgb (3, h, w) -> (painting input, its features), encoded once per painting."""
    cfg = getattr(model, "cfg", None)
    # attention over the painting's tokens is bounded like the decoder's (model.max_tokens)
    max_tokens = getattr(cfg, "max_tokens", None)
    cache: dict[int, tuple] = {}

    def encode(rgb: torch.Tensor) -> tuple[torch.Tensor, object]:
        if id(rgb) not in cache:
            pe = (
                rgb[None]
                if max_tokens is None
                else fit_image(rgb, painting_size(size, max_tokens))[None]
            )
            with autocast(device, precision):
                cache[id(rgb)] = pe, model.encode_painting(pe)
        return cache[id(rgb)]

    return encode


@dataclass(frozen=True)
class ShotKey:
    """One shot rendered in the keyframe role from a painted frame of its own."""

    shot: range  # the shot's frames in the clip
    keyframe: int  # the painted frame's number in the clip (inside ``shot``)
    painting: np.ndarray  # uint8 (H, W, 3): the painted frame
    fill: Callable[[torch.Tensor], torch.Tensor] | None  # paints what the track cannot carry


def stylise_shots(
    model: torch.nn.Module,
    keys: Sequence[ShotKey],
    frames: Iterable[np.ndarray],
    *,
    masks: Iterable[np.ndarray] | None = None,
    **options,
) -> Iterator[np.ndarray]:
    """:func:`stylise` shot by shot, each shot in the keyframe role with its own painted frame
    (:mod:`camfuse.render.style_key`); ``keys`` cover the clip in order (``masks``, if any, one
    per frame). ``options``: stylise's keywords except painting, total, keyframe, fill, shots,
    emit and palette (the painted frames already carry the reference's colours)."""
    it = iter(frames)
    masks = iter(masks) if masks is not None else None
    for k in keys:
        yield from stylise(
            model,
            k.painting,
            islice(it, len(k.shot)),
            masks=islice(masks, len(k.shot)) if masks is not None else None,
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


def model_device(model) -> torch.device:
    """Where the model's inputs must live: a module's parameters, or a runner's ``device``."""
    device = getattr(model, "device", None)
    return device if isinstance(device, torch.device) else next(model.parameters()).device


def window_conditioning(
    keyframes: int | Sequence[int] | None, win: Window, *, offset: int = 0
) -> tuple[int, int, int]:
    """(role, keyframe index within the window, which painting) for one window of the emitted
    frames (``offset``: the stream number of emitted frame 0); see the module docstring. With
    several keyframes the window is conditioned on the one nearest its middle."""
    if keyframes is None or (not isinstance(keyframes, int) and not keyframes):
        return 1, -1, 0
    frames = [keyframes] if isinstance(keyframes, int) else list(keyframes)
    start, stop = offset + win.start, offset + win.stop
    middle = (start + stop - 1) / 2
    which = min(range(len(frames)), key=lambda j: (abs(frames[j] - middle), j))
    k = frames[which]
    return 0, k - start if start <= k < stop else -1, which


def to_model(
    image: np.ndarray, size: tuple[int, int], device: torch.device, *, crop: bool = False
) -> torch.Tensor:
    """uint8 (H, W, 3) -> float (3, h, w) in [0, 1]; ``crop`` centre-crops to the target aspect first."""
    x = torch.from_numpy(image).to(device).permute(2, 0, 1).float() / 255  # RGB or RGBA
    return fit_image(x, size, crop=crop)


__all__ = ["ShotKey", "model_device", "stylise", "stylise_shots", "to_model", "window_conditioning"]
