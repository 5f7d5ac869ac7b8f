"""Streaming inference: a painting + footage -> painterly frames, in bounded memory.

Order of work, so that bad input costs nothing and leaves nothing behind:

1. :func:`prepare` validates every option, decodes the footage once (:func:`probe_footage`:
   frame count, truncation), reads the painting, checks the output path and reads the model's
   config (not its weights). Nothing is loaded or written yet.
2. :func:`render` loads the model and writes to a temporary name beside the output, renamed over
   ``--out`` only when complete (:mod:`camfuse.outputs`); on any error or Ctrl-C the temporary is
   removed. An input is never overwritten.
3. :func:`stylise` encodes the painting once, runs overlapping windows of T frames
   (:mod:`camfuse.windows`) at the model size and resizes each blended frame back to the source
   size. Decoding, the guide's optical flow and encoding run on background threads
   (:mod:`camfuse.pipeline`), overlapped with the model; memory is bounded by their queues, not by
   the length of the shot. How the model itself runs (precision, channels-last, compile, or the
   onnxruntime export) is :mod:`camfuse.inference`.

The model runs at ``size`` px on the long side (default: the model's training size,
``data.size``, where its stroke scale was learned); both sides are rounded to multiples of 16
(the token stride), at least 32 px.

Keyframe role across windows: the painting is a paint-over of frame K. The window containing K
gets role 0 with keyframe ``K - start`` (the decoder marks that frame); every other window gets
role 0 with keyframe -1: the painting still depicts this scene, but no frame in the window is the
one painted over. When K lies in two overlapping windows, both see it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .config import CamFuseConfig
from .data.video_io import (
    IMAGE_EXTS,
    MAX_SIDE,
    MIN_SIDE,
    FootageInfo,
    FrameFolderWriter,
    MediaError,
    VideoWriter,
    iter_frames,
    probe_footage,
    read_image,
)
from .device import resolve_device
from .flow import PRESETS
from .guide import RENDER_FLOW, stream_guides
from .inference import autocast, prepare_for_inference, resolve_precision
from .outputs import check_output, output_kind, staged_output
from .palette import fit_palette
from .pipeline import BackgroundWriter, prefetch
from .windows import Window, blend_windows, default_overlap, plan_windows

log = logging.getLogger(__name__)

RUNTIMES = ("torch", "onnx")
MIN_SIZE, MAX_SIZE = 32, 4096  # --size bounds: below 32 the stride-16 trunk has 2 tokens a side
DEFAULT_FPS = Fraction(24)  # frame folders carry no rate


@dataclass(frozen=True)
class RenderPlan:
    """Everything :func:`render` needs, validated; nothing loaded or written yet."""

    painting: np.ndarray  # (H, W, 3) uint8 RGB
    footage: FootageInfo
    out: Path
    out_kind: str  # "video" | "frames"
    keyframe: int | None  # None = style role
    strength: float
    palette: bool  # style role: apply the reference's palette to the finished frames
    size: tuple[int, int]  # model input (w, h), multiples of 16
    window: int
    overlap: int
    fps: Fraction
    overwrite: bool
    checkpoint: Path | None
    config: CamFuseConfig
    device: torch.device
    precision: str  # "fp32" | "bf16" (resolved from auto for this device)
    compile: bool  # torch.compile the model's forward
    runtime: str  # "torch" | "onnx" (onnxruntime export, camfuse.onnx_cache)
    flow: str  # DIS preset of the keyframe track (camfuse.flow.PRESETS)


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


def model_size(width: int, height: int, size: int) -> tuple[int, int]:
    """(w, h) with the long side ``size`` and the aspect kept, both multiples of 16, >= 32."""
    r16 = lambda x: max(MIN_SIZE, int(round(x / 16)) * 16)  # noqa: E731
    if width >= height:
        return r16(size), r16(size * height / width)
    return r16(size * width / height), r16(size)


def prepare(
    painting: str | Path,
    footage: str | Path,
    out: str | Path,
    *,
    keyframe: int | None = None,
    style: bool = False,
    strength: float = 1.0,
    palette: bool = True,
    checkpoint: str | Path | None = None,
    size: int | None = None,
    window: int | None = None,
    overlap: int | None = None,
    fps: float | None = None,
    device: str = "auto",
    precision: str = "auto",
    compile: bool = False,
    runtime: str = "torch",
    flow: str = RENDER_FLOW,
    overwrite: bool = False,
    max_frames: int | None = None,
) -> RenderPlan:
    """Validate everything possible before the model is loaded; raises ValueError/MediaError."""
    _check_options(
        keyframe=keyframe,
        style=style,
        strength=strength,
        size=size,
        fps=fps,
        window=window,
        overlap=overlap,
    )
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}")
    if flow not in PRESETS:
        raise ValueError(f"unknown --flow {flow!r}; choose one of {', '.join(PRESETS)}")
    # onnxruntime picks its own provider (CUDA first when present); tensors stay on the CPU
    dev = torch.device("cpu") if runtime == "onnx" and device == "auto" else resolve_device(device)
    if runtime == "onnx" and (compile or precision == "bf16" or dev.type != "cpu"):
        raise ValueError(
            "--runtime onnx runs fp32 on onnxruntime's own CPU provider: drop --compile, "
            "use --precision fp32 (or auto) and --device cpu"
        )
    precision = "fp32" if runtime == "onnx" else resolve_precision(precision, dev)
    painting, footage = Path(painting), Path(footage)
    kind = output_kind(out)
    out = Path(out)
    check_output(out, [painting, footage, *([Path(checkpoint)] if checkpoint else [])], overwrite)
    image = _read_painting(painting)
    info = probe_footage(footage, max_frames)
    if keyframe is not None and not 0 <= keyframe < info.frames:
        raise ValueError(
            f"--keyframe {keyframe} is out of range: the footage has {info.frames} frames (0..{info.frames - 1})"
        )
    cfg = _read_config(checkpoint)
    window = window or cfg.data.frames
    if window > cfg.model.max_frames:
        raise ValueError(
            f"--window {window} exceeds the model's max_frames ({cfg.model.max_frames})"
        )
    overlap = default_overlap(window) if overlap is None else overlap
    if overlap >= window:
        raise ValueError(f"--overlap must be smaller than the window ({window}), got {overlap}")
    rate = Fraction(fps).limit_denominator(1001) if fps else info.fps or DEFAULT_FPS
    return RenderPlan(
        painting=image,
        footage=info,
        out=out,
        out_kind=kind,
        keyframe=keyframe,
        strength=float(strength),
        palette=palette,
        size=model_size(info.width, info.height, size or cfg.data.size),
        window=window,
        overlap=overlap,
        fps=rate,
        overwrite=overwrite,
        checkpoint=Path(checkpoint) if checkpoint else None,
        config=cfg,
        device=dev,
        precision=precision,
        compile=compile,
        runtime=runtime,
        flow=flow,
    )


def render(
    painting: str | Path,
    footage: str | Path,
    out: str | Path,
    *,
    model: torch.nn.Module | None = None,
    on_progress: Callable[[int, int], None] | None = None,
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
        from .onnx_cache import onnx_model

        n = plan.footage.frames
        model = onnx_model(plan.checkpoint, size=plan.size, window=min(plan.window, n))
    elif model is None:
        from .checkpoint import load_model

        model, _ = load_model(plan.checkpoint, plan.device)
        prepare_for_inference(model, channels_last=True, compile=plan.compile)
    start = time.perf_counter()
    n = plan.footage.frames
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
        try:
            frames = stylise(
                model,
                plan.painting,
                prefetch(iter_frames(plan.footage.path, n), depth=2 * plan.window),
                total=n,
                out_size=(plan.footage.width, plan.footage.height),
                size=plan.size,
                keyframe=plan.keyframe,
                strength=plan.strength,
                window=plan.window,
                overlap=plan.overlap,
                palette=plan.palette,
                precision=plan.precision,
                flow=plan.flow,
            )
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
    return RenderSummary(
        n, plan.footage.width, plan.footage.height, time.perf_counter() - start, plan.out
    )


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
) -> Iterator[np.ndarray]:
    """Yield painterly uint8 frames at ``out_size`` (w, h), pulling ``frames`` lazily.

    ``palette`` (style role only): move the finished frames' colours onto the reference's with one
    map fitted on the first frame (:mod:`camfuse.palette`). ``precision``: "fp32" or "bf16"
    (autocast; :mod:`camfuse.inference`). ``flow``: the keyframe track's DIS preset
    (:data:`camfuse.flow.PRESETS`). ``model`` is a :class:`~camfuse.models.CamFuse` or
    anything with its inference interface (:class:`camfuse.onnx_runner.OnnxModel`)."""
    device = model_device(model)
    p = _to_model(painting, size, device, crop=keyframe is None)[None]  # (1, 3, h, w)
    if (
        keyframe is not None
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
    s = torch.tensor([strength], device=device)

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

    inputs = (_to_model(f, size, device) for f in frames)
    if sampling:  # (frame, guide) pairs, tracked along the whole shot, not per window;
        # the flow runs on a background thread, a window ahead of the model
        inputs = prefetch(stream_guides(p[0], inputs, keyframe, preset=flow), depth=window)
    colours = None
    for y in blend_windows(inputs, plan_windows(total, window, overlap), run):
        if palette and keyframe is None:
            colours = colours or fit_palette(y, p[0])
            y = colours(y)
        yield _to_image(y, out_size)


def model_device(model) -> torch.device:
    """Where the model's inputs must live: a module's parameters, or a runner's ``device``."""
    device = getattr(model, "device", None)
    return device if isinstance(device, torch.device) else next(model.parameters()).device


def painting_size(size: tuple[int, int], max_tokens: int) -> tuple[int, int]:
    """(w, h) the painting is encoded at: ``size`` when its stride-16 tokens fit ``max_tokens``,
    else scaled down, aspect kept, to the largest multiple-of-16 size that fits."""
    w, h = size
    if (w // 16) * (h // 16) <= max_tokens:
        return size
    scale = (max_tokens / ((w // 16) * (h // 16))) ** 0.5
    tw, th = max(2, int(w // 16 * scale)), max(2, int(h // 16 * scale))
    while tw * th > max_tokens and max(tw, th) > 2:
        tw, th = (tw - 1, th) if tw >= th else (tw, th - 1)
    return tw * 16, th * 16


def window_conditioning(keyframe: int | None, win: Window) -> tuple[int, int]:
    """(role, keyframe index within the window) for one window; see the module docstring."""
    if keyframe is None:
        return 1, -1
    return 0, keyframe - win.start if win.start <= keyframe < win.stop else -1


def _to_model(
    image: np.ndarray, size: tuple[int, int], device: torch.device, *, crop: bool = False
) -> torch.Tensor:
    """uint8 (H, W, 3) -> float (3, h, w) in [0, 1]; ``crop`` centre-crops to the target aspect first."""
    x = torch.from_numpy(image).to(device).permute(2, 0, 1).float() / 255
    return fit_image(x, size, crop=crop)


def fit_image(x: torch.Tensor, size: tuple[int, int], *, crop: bool = False) -> torch.Tensor:
    """float (3, H, W) -> (3, h, w) at ``size`` (w, h), as the model sees it (also for baselines)."""
    if crop:  # a style reference of another shape: crop, do not distort
        h, w = x.shape[1:]
        tw, th = size
        if w * th > h * tw:
            cw = max(1, round(h * tw / th))
            x = x[:, :, (w - cw) // 2 : (w - cw) // 2 + cw]
        else:
            ch = max(1, round(w * th / tw))
            x = x[:, (h - ch) // 2 : (h - ch) // 2 + ch]
    return F.interpolate(
        x[None], size=(size[1], size[0]), mode="bilinear", antialias=True, align_corners=False
    )[0]


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


def _check_options(*, keyframe, style, strength, size, fps, window, overlap) -> None:
    if (keyframe is None) == (not style):
        raise ValueError(
            "pass exactly one of --keyframe K (the painting paints over footage frame K) "
            "or --style (the painting is a style reference)"
        )
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"--strength must be in [0, 1], got {strength}")
    if size is not None and not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"--size must be in [{MIN_SIZE}, {MAX_SIZE}], got {size}")
    if fps is not None and not 0 < fps <= 240:
        raise ValueError(f"--fps must be in (0, 240], got {fps}")
    if window is not None and window < 1:
        raise ValueError(f"--window must be at least 1, got {window}")
    if overlap is not None and overlap < 0:
        raise ValueError(f"--overlap must be >= 0, got {overlap}")


def _read_painting(path: Path) -> np.ndarray:
    if path.suffix.lower() not in IMAGE_EXTS:
        raise MediaError(
            f"unsupported painting type {path.suffix or '(none)'!r} for {path}; use PNG or JPG"
        )
    image = read_image(path)
    h, w = image.shape[:2]
    if min(h, w) < MIN_SIDE or max(h, w) > MAX_SIDE:
        raise MediaError(f"painting {path} is {w}x{h}; sides must be {MIN_SIDE}..{MAX_SIDE} px")
    return image


def _read_config(checkpoint: str | Path | None) -> CamFuseConfig:
    """The model's config from the JSON beside its weights: no weights are loaded yet."""
    from .checkpoint import DEFAULT_MODEL, CheckpointError, read_meta

    meta = read_meta(checkpoint if checkpoint is not None else DEFAULT_MODEL)
    try:
        return CamFuseConfig.from_dict(meta["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"model config beside {checkpoint or DEFAULT_MODEL} is invalid: {exc}"
        ) from None


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


__all__ = [
    "RenderPlan",
    "RenderSummary",
    "fit_image",
    "model_device",
    "model_size",
    "painting_size",
    "prepare",
    "render",
    "stylise",
    "window_conditioning",
]
