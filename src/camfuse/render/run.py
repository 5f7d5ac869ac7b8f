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
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import torch

from ..media import FrameFolderWriter, VideoWriter, iter_frames, staged_output
from ..models.inputs import to_uint8
from .adapt import AdaptedFill, AdaptSettings, adapt, adapt_cache
from .pipeline import BackgroundWriter, prefetch
from .plan import RenderPlan, prepare
from .runtime import prepare_for_inference
from .stream import ShotKey, stylise, stylise_shots, to_model
from .style_key import KeySettings, key_cache, key_frame, paint_from_reference

log = logging.getLogger(__name__)


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
    painting: str | Path,
    footage: str | Path,
    out: str | Path,
    *,
    model: torch.nn.Module | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    on_adapt: Callable[[int, int, float], None] | None = None,
    **options,
) -> RenderSummary:
    """Render ``footage`` in the manner of ``painting`` to ``out`` (a video file or a PNG folder).

    ``options`` are :func:`prepare`'s keywords (keyframe= or style=True, strength, checkpoint,
    size, window, overlap, fps, device, precision, compile, runtime, flow, overwrite,
    max_frames).
    ``model`` skips loading one.
    """
    plan = prepare(painting, footage, out, **options)
    if model is None and plan.runtime == "onnx":
        from ..onnx.cache import onnx_model

        n = plan.footage.frames
        model = onnx_model(plan.checkpoint, size=plan.size, window=min(plan.window, n))
    elif model is None:
        from ..checkpoint import load_model

        model, _ = load_model(plan.checkpoint, plan.device)
        prepare_for_inference(model, channels_last=True, compile=plan.compile)
    start = time.perf_counter()
    n = plan.footage.frames
    adapting = plan.adapt is not None
    keys = _style_keys(plan, model, on_adapt) if adapting and plan.keyframe is None else None
    fill = _adapted_fill(plan, model, on_adapt) if adapting and plan.keyframe is not None else None
    _report_shots(plan)
    log.info(
        "footage %s: %d frames %s; model at %dx%d, windows of %d (overlap %d)",
        plan.footage.path,
        n,
        plan.footage.size,
        *plan.size,
        plan.window,
        plan.overlap,
    )
    with staged_output(plan.out, plan.out_kind, plan.overwrite) as tmp:
        writer = _open_writer(tmp, plan)
        background = BackgroundWriter(writer.write, depth=2 * plan.window)
        decoded = prefetch(iter_frames(plan.footage.path, n), depth=2 * plan.window)
        common = dict(
            out_size=(plan.footage.width, plan.footage.height),
            size=plan.size,
            strength=plan.strength,
            window=plan.window,
            overlap=plan.overlap,
            precision=plan.precision,
            flow=plan.flow,
        )
        if keys:
            frames = stylise_shots(model, keys, decoded, **common)
        else:
            frames = stylise(
                model,
                plan.painting,
                decoded,
                total=n,
                keyframe=plan.keyframe,
                palette=plan.palette,
                fill=fill,
                shots=plan.footage.shots,
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


def _adapted_fill(plan: RenderPlan, model, on_adapt) -> AdaptedFill | None:
    """Train (or load from the cache) the shot painter on the keyframe pair at model size."""
    if not getattr(getattr(model, "cfg", None), "sampling", False):
        log.info("--adapt: this model has no painting-sampling path to adapt; rendering without")
        return None
    key = next(islice(iter_frames(plan.footage.path, plan.keyframe + 1), plan.keyframe, None))
    cpu = torch.device("cpu")
    return adapt(
        to_model(key, plan.size, cpu),
        to_model(plan.painting, plan.size, cpu),
        AdaptSettings(steps=plan.adapt),
        cache=adapt_cache(),
        on_progress=on_adapt,
    )


def _style_keys(plan: RenderPlan, model, on_adapt) -> list[ShotKey] | None:
    """Style role: paint the middle frame of every shot from the reference
    (:mod:`camfuse.render.style_key`) and adapt a shot painter on it; each shot is then rendered
    in the keyframe role from its painted frame."""
    if not getattr(getattr(model, "cfg", None), "sampling", False):
        log.info("--adapt: this model has no painting-sampling path; the style role renders as is")
        return None
    shots = plan.footage.shots or (range(plan.footage.frames),)
    wanted = {key_frame(r): r for r in shots}
    cpu = torch.device("cpu")
    reference = to_model(plan.painting, plan.size, cpu, crop=True)
    keys = []
    for i, frame in enumerate(iter_frames(plan.footage.path, max(wanted) + 1)):
        if i not in wanted:
            continue
        key = to_model(frame, plan.size, cpu)
        log.info("style role: painting frame %d from the reference, then adapting", i)
        painted = paint_from_reference(
            key, reference, KeySettings(), cache=key_cache(), on_progress=on_adapt
        )
        fill = adapt(key, painted, AdaptSettings(steps=plan.adapt), cache=adapt_cache(),
                     on_progress=on_adapt)  # fmt: skip
        keys.append(ShotKey(wanted[i], i, to_uint8(painted), fill))
    return keys


def _report_shots(plan: RenderPlan) -> None:
    shots = plan.footage.shots or ()
    if len(shots) < 2:
        return
    cuts = ", ".join(str(r.start) for r in shots[1:])
    if plan.keyframe is None:
        log.warning(
            "%d shots (cuts at frames %s): %s per shot",
            len(shots),
            cuts,
            "one frame is painted from the reference and carried"
            if plan.adapt is not None
            else "the palette is fitted",
        )
        return
    bare = [r for r in shots if plan.keyframe not in r]
    log.warning(
        "%d shots (cuts at frames %s); the keyframe %d paints shot %d-%d. Shots without a "
        "keyframe (%s) are not tracked: the keyframe's %s paints them from their footage",
        len(shots),
        cuts,
        plan.keyframe,
        *next((r.start, r.stop - 1) for r in shots if plan.keyframe in r),
        ", ".join(f"{r.start}-{r.stop - 1}" for r in bare),
        "adapted fill" if plan.adapt is not None else "colour map",
    )


def _open_writer(tmp: Path, plan: RenderPlan) -> VideoWriter | FrameFolderWriter:
    if plan.out_kind == "frames":
        return FrameFolderWriter(tmp, total=plan.footage.frames)
    if plan.footage.width % 2 or plan.footage.height % 2:
        log.warning("footage is %s: padded by 1 px to even sides for yuv420p", plan.footage.size)
    audio = plan.footage.path if plan.footage.has_audio else None
    if audio and plan.footage.fps and plan.fps != plan.footage.fps:
        log.warning("--fps changes the frame rate but not the audio: they will drift apart")
    return VideoWriter(
        tmp, width=plan.footage.width, height=plan.footage.height, fps=plan.fps, audio_from=audio
    )


__all__ = ["RenderSummary", "render"]
