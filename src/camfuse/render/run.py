"""Step 2 of a render: load the model, stream the frames through it, write the output atomically.

:func:`render` takes a :class:`~camfuse.render.plan.RenderPlan` from :func:`prepare`, loads the
model (PyTorch, or the cached onnxruntime export) and writes to a temporary name beside the output,
renamed over ``--out`` only when complete (:mod:`camfuse.media.outputs`); on any error or Ctrl-C
the temporary is removed. An input is never overwritten. Decoding and encoding run on background
threads (:mod:`camfuse.render.pipeline`), overlapped with the model; memory is bounded by their
queues, not by the length of the shot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np
import torch

from ..config import ModelConfig
from ..media import CODECS, FrameFolderWriter, VideoWriter, iter_frames, staged_output
from ..models.inputs import to_uint8
from .adapt import AdaptedFill, AdaptSettings, adapt, adapt_cache
from .inputs import shots_within, stream_span, to_grey
from .pipeline import BackgroundWriter, prefetch
from .plan import RenderPlan, prepare
from .runtime import prepare_for_inference
from .stream import ShotKey, stylise, stylise_shots, to_model
from .style_key import KeySettings, key_cache, key_frame, paint_from_reference

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GuideOnly:
    """What a ``--network off`` render runs with in place of the model: its config and device,
    no weights. The guide and the fill need neither the network nor its load (0.65-0.85 s of
    start-up here, in the default render of a paint-over)."""

    cfg: ModelConfig
    device: torch.device


@dataclass(frozen=True)
class RenderSummary:
    frames: int
    width: int
    height: int
    seconds: float
    out: Path

    def line(self) -> str:
        rate = self.frames / max(self.seconds, 1e-9)
        return f"rendered {self.frames} frames {self.width}x{self.height} in {self.seconds:.1f} s ({rate:.1f} frames/s) -> {self.out}"


def render(
    painting: str | Path | Sequence[str | Path] | None,
    footage: str | Path,
    out: str | Path,
    *,
    model: torch.nn.Module | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_adapt: Callable[[int, int, float], None] | None = None,
    **options,
) -> RenderSummary:
    """Render ``footage`` in the manner of ``painting`` to ``out`` (a video file or a PNG folder).

    ``options`` are :func:`prepare`'s keywords (keyframe= (one or several, with as many
    paintings), keys= or style=True; mask, start, end, alpha, strength, checkpoint, size, window,
    overlap, fps, device, precision, compile, runtime, flow, resolution, network, strokes,
    overwrite, max_frames, adapt).
    ``model`` skips loading one.
    """
    plan = prepare(painting, footage, out, **options)
    if model is None and plan.network == "off":
        model = GuideOnly(plan.config.model, plan.device)
    elif model is None and plan.runtime == "onnx":
        from ..onnx.cache import onnx_model

        model = onnx_model(plan.checkpoint, size=plan.size, window=min(plan.window, len(plan.span)))
    elif model is None:
        from ..checkpoint import load_model

        model, _ = load_model(plan.checkpoint, plan.device)
        prepare_for_inference(model, channels_last=True, compile=plan.compile)
    start = time.perf_counter()
    span = plan.span
    stream = stream_span(span, plan.keys.frames, plan.footage.shots) if plan.keys else span
    adapting = plan.adapt is not None
    keyed = plan.keys is not None
    keys = _style_keys(plan, model, on_adapt, stream) if adapting and not keyed else None
    fill = _adapted_fill(plan, model, on_adapt) if adapting and keyed else None
    _report_shots(plan)
    log.info(
        "footage %s: %d frames %s (rendering %d-%d); model at %dx%d, windows of %d (overlap %d)",
        plan.footage.path,
        plan.footage.frames,
        plan.footage.size,
        span.start,
        span.stop - 1,
        *plan.size,
        plan.window,
        plan.overlap,
    )
    n = len(span)
    with staged_output(plan.out, plan.out_kind, plan.overwrite) as tmp:
        writer = _open_writer(tmp, plan)
        background = BackgroundWriter(writer.write, depth=2 * plan.window)
        decoded = prefetch(_frames(plan.footage.path, stream), depth=2 * plan.window)
        masks = _masks(plan, stream)
        shots = shots_within(plan.footage.shots, stream)
        common = dict(
            out_size=(plan.footage.width, plan.footage.height),
            size=plan.size,
            strength=plan.strength,
            window=plan.window,
            overlap=plan.overlap,
            precision=plan.precision,
            flow=plan.flow,
            resolution=plan.resolution,
            network=plan.network == "on",
            strokes=plan.strokes == "on",
            alpha=plan.alpha,
            depth=plan.depth,
        )
        if keys:
            frames = stylise_shots(model, keys, decoded, masks=masks, **common)
        else:
            frames = stylise(
                model,
                list(plan.keys.paintings) if keyed else plan.reference,
                decoded,
                total=len(stream),
                emit=range(span.start - stream.start, span.stop - stream.start),
                keyframe=[k - stream.start for k in plan.keys.frames] if keyed else None,
                palette=plan.palette,
                fill=fill,
                shots=shots,
                masks=masks,
                regions=_key_regions(plan) if keyed else None,
                **common,
            )
        try:
            for i, frame in enumerate(frames, 1):
                background.put(frame)
                if on_progress:
                    on_progress(i, n)
            background.close()
            writer.close()
        except BaseException:
            background.abort()
            writer.abort()
            raise
        finally:  # consumer first: closing the frames joins the guide thread that reads `decoded`
            frames.close()
            decoded.close()
    return RenderSummary(
        n, plan.footage.width, plan.footage.height, time.perf_counter() - start, plan.out
    )


def _frames(path: Path, span: range) -> Iterator[np.ndarray]:
    return islice(iter_frames(path, span.stop), span.start, None)


def _masks(plan: RenderPlan, span: range) -> Iterator[np.ndarray] | None:
    if plan.mask is None:
        return None
    return (to_grey(f) for f in _frames(plan.mask, span))


def _key_regions(plan: RenderPlan) -> list[np.ndarray] | None:
    """The mask at each keyframe (in the keys' order): where its paint may be carried from."""
    if plan.mask is None:
        return None
    wanted = set(plan.keys.frames)
    frames = iter_frames(plan.mask, max(wanted) + 1)
    found = {i: to_grey(f) for i, f in enumerate(frames) if i in wanted}
    return [found[k] for k in plan.keys.frames]


def _adapted_fill(plan: RenderPlan, model, on_adapt) -> AdaptedFill | None:
    """Train (or load from the cache) the shot painter on the keyframe pairs at model size, side
    by side (transparent paint: the footage there)."""
    if not getattr(getattr(model, "cfg", None), "sampling", False):
        log.info("--adapt: this model has no painting-sampling path to adapt; rendering without")
        return None
    wanted = dict(zip(plan.keys.frames, plan.keys.paintings, strict=True))
    cpu = torch.device("cpu")
    footage, paint = [], []
    for i, frame in enumerate(iter_frames(plan.footage.path, max(wanted) + 1)):
        if i in wanted:
            key = to_model(frame, plan.size, cpu)
            p = to_model(wanted[i], plan.size, cpu)
            if len(p) == 4:
                p = p[3:] * p[:3] + (1 - p[3:]) * key
            footage.append(key)
            paint.append(p)
    return adapt(
        torch.cat(footage, dim=-1),
        torch.cat(paint, dim=-1),
        AdaptSettings(steps=plan.adapt),
        cache=adapt_cache(),
        on_progress=on_adapt,
    )


def _style_keys(plan: RenderPlan, model, on_adapt, span: range) -> list[ShotKey] | None:
    """Style role: paint the middle frame of every shot from the reference
    (:mod:`camfuse.render.style_key`) and adapt a shot painter on it; each shot is then rendered
    in the keyframe role from its painted frame. ``span``: the frames rendered; keys and shots
    are numbered from its start."""
    if not getattr(getattr(model, "cfg", None), "sampling", False):
        log.info("--adapt: this model has no painting-sampling path; the style role renders as is")
        return None
    shots = shots_within(plan.footage.shots, span) or (range(len(span)),)
    wanted = {key_frame(r): r for r in shots}
    cpu = torch.device("cpu")
    reference = to_model(plan.reference, plan.size, cpu, crop=True)
    keys = []
    for i, frame in enumerate(
        _frames(plan.footage.path, range(span.start, span.start + max(wanted) + 1))
    ):
        if i not in wanted:
            continue
        key = to_model(frame, plan.size, cpu)
        log.info("style role: painting frame %d from the reference, then adapting", span.start + i)
        painted = paint_from_reference(
            key, reference, KeySettings(), cache=key_cache(), on_progress=on_adapt
        )
        fill = adapt(key, painted, AdaptSettings(steps=plan.adapt), cache=adapt_cache(),
                     on_progress=on_adapt)  # fmt: skip
        keys.append(ShotKey(wanted[i], i, to_uint8(painted), fill))
    return keys


def _report_shots(plan: RenderPlan) -> None:
    shots = [
        r for r in plan.footage.shots or () if r.stop > plan.span.start and r.start < plan.span.stop
    ]
    if len(shots) < 2:
        return
    cuts = ", ".join(str(r.start) for r in shots[1:])
    if plan.keys is None:
        log.warning(
            "%d shots (cuts at frames %s): %s per shot",
            len(shots),
            cuts,
            "one frame is painted from the reference and carried"
            if plan.adapt is not None
            else "the palette is fitted",
        )
        return
    painted = [r for r in shots if any(k in r for k in plan.keys.frames)]
    bare = [r for r in shots if r not in painted]
    log.warning(
        "%d shots (cuts at frames %s); keyframes %s paint shot(s) %s.%s",
        len(shots),
        cuts,
        ", ".join(map(str, plan.keys.frames)),
        ", ".join(f"{r.start}-{r.stop - 1}" for r in painted) or "(none in the range)",
        f" Shots without a keyframe ({', '.join(f'{r.start}-{r.stop - 1}' for r in bare)}) are "
        f"not tracked: the keyframes' {'adapted fill' if plan.adapt is not None else 'colour maps'} "
        "paint them from their footage"
        if bare
        else "",
    )


def _open_writer(tmp: Path, plan: RenderPlan) -> VideoWriter | FrameFolderWriter:
    if plan.out_kind == "frames":
        return FrameFolderWriter(tmp, total=len(plan.span), first=plan.span.start)
    codec = CODECS[plan.codec]
    if codec.even and (plan.footage.width % 2 or plan.footage.height % 2):
        log.warning(
            "footage is %s: padded by 1 px to even sides for %s", plan.footage.size, codec.pix_fmt
        )
    whole = len(plan.span) == plan.footage.frames
    audio = plan.footage.path if plan.footage.has_audio and whole else None
    if plan.footage.has_audio and not whole:
        log.warning("--start/--end: the output has no audio (the source's would not line up)")
    if audio and plan.footage.fps and plan.fps != plan.footage.fps:
        log.warning("--fps changes the frame rate but not the audio: they will drift apart")
    return VideoWriter(
        tmp,
        width=plan.footage.width,
        height=plan.footage.height,
        fps=plan.fps,
        audio_from=audio,
        codec=plan.codec,
        alpha=plan.alpha,
        depth=plan.depth,
    )


__all__ = ["RenderSummary", "render"]
