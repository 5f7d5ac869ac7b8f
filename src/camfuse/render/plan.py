"""Step 1 of a render: validate every option and input, decide sizes; load and write nothing.

:func:`prepare` checks the options, decodes the footage once (:func:`camfuse.media.probe_footage`:
frame count, truncation), reads the painting, checks the output path and reads the model's config
(not its weights). Bad input therefore costs nothing and leaves nothing behind.

The model runs at ``size`` px on the long side (default: the model's training size,
``data.size``, where its stroke scale was learned); both sides are rounded to multiples of 16
(the token stride), at least 32 px (:func:`camfuse.models.inputs.model_size`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from ..checkpoint import DEFAULT_MODEL, CheckpointError, read_meta
from ..config import MAX_SIZE, CamFuseConfig
from ..guide.flow import PRESETS
from ..guide.track import RENDER_FLOW
from ..media import CODECS, FootageInfo, check_output, output_kind, probe_footage
from ..models.inputs import MIN_SIZE, model_size
from .inputs import Keyframes, check_mask, frame_range, read_keyframes, read_painting
from .runtime import resolve_device, resolve_precision
from .windows import DEFAULT_OVERLAP

RUNTIMES = ("torch", "onnx")
DEPTHS = (8, 16)  # bits per channel of the frames written
RESOLUTIONS = ("full", "model")  # camfuse.render.stream: what is carried at the output size
# auto: off with a paint-over (the keyframe role), on with a style reference (README, "What the
# network adds": on held-out material the network costs 0.24-0.43 dB in the keyframe role and
# gains 0.16-0.27 dB in the style role); off: the guide and the fill alone, composed as usual
NETWORKS = ("auto", "on", "off")
SWITCHES = ("on", "off")

DEFAULT_FPS = Fraction(24)  # frame folders carry no rate
MIN_FPS, MAX_FPS = 0.01, 240  # the rate is a fraction with denominator <= 1001: below 0.01 it
# would round towards 0 (no time base) and no player shows 100 s per frame anyway


@dataclass(frozen=True)
class RenderPlan:
    """Everything :func:`render` needs, validated; nothing loaded or written yet."""

    reference: np.ndarray | None  # style role: the reference, (H, W, 3) uint8 RGB
    keys: Keyframes | None  # keyframe role: the paint-overs (None = style role)
    footage: FootageInfo
    span: range  # the frames rendered (--start / --end), numbered as in the clip
    mask: Path | None  # one greyscale frame per footage frame: where paint goes
    alpha: bool  # write RGBA frames (the paint, and where it goes) instead of mixing
    out: Path
    out_kind: str  # "video" | "frames"
    depth: int  # bits per channel written: 8 | 16 (16-bit PNG, or ProRes' 10 bits)
    codec: str  # video --out: a key of camfuse.media.CODECS ("h264" | "prores")
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
    runtime: str  # "torch" | "onnx" (onnxruntime export, camfuse.onnx.cache)
    flow: str  # DIS preset of the keyframe track (camfuse.guide.flow.PRESETS)
    resolution: str  # "full": paint carried and composed at the output size; "model": scaled up
    network: str  # "on": the model paints each frame; "off": the guide + fill it is given, alone
    # (resolved from "auto" for the role)
    strokes: str  # "on": the keyframe's marks copied where the fill paints (render.strokes)
    adapt: int | None  # per-shot adaptation (camfuse.render.adapt): the shot painter's steps
    # (0: the feature map alone); None = off. Style role: also paints a frame of each shot from
    # the reference first (camfuse.render.style_key)


def prepare(
    painting: str | Path | Sequence[str | Path] | None,
    footage: str | Path,
    out: str | Path,
    *,
    keyframe: int | Sequence[int] | None = None,
    keys: str | Path | None = None,
    style: bool = False,
    mask: str | Path | None = None,
    start: int | None = None,
    end: int | None = None,
    alpha: bool = False,
    depth: int = 8,
    codec: str = "h264",
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
    resolution: str = "full",
    network: str = "auto",
    strokes: str = "on",
    overwrite: bool = False,
    max_frames: int | None = None,
    adapt: str | int = "off",
) -> RenderPlan:
    """Validate everything possible before the model is loaded; raises ValueError/MediaError.

    Keyframe role: ``keyframe`` K with one ``painting``, or several of each in the same order, or
    a ``keys`` folder (:mod:`camfuse.render.inputs`); ``style``: ``painting`` is a reference."""
    keyed = keyframe is not None or keys is not None
    _check_options(
        keyed=keyed,
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
    if resolution not in RESOLUTIONS:
        raise ValueError(
            f"unknown --resolution {resolution!r}; choose one of {', '.join(RESOLUTIONS)}"
        )
    if network not in NETWORKS:
        raise ValueError(f"unknown --network {network!r}; choose one of {', '.join(NETWORKS)}")
    if strokes not in SWITCHES:
        raise ValueError(f"unknown --strokes {strokes!r}; choose one of {', '.join(SWITCHES)}")
    if network == "auto":
        network = "off" if keyed else "on"
    dev, precision = _resolve_runtime(runtime, device, precision, compile)
    footage = Path(footage)
    kind = output_kind(out)
    out = Path(out)
    codec = _check_deliverable(out, kind, depth=depth, codec=codec, alpha=alpha)
    inputs = [
        footage,
        *_paths(painting),
        *([Path(keys)] if keys else []),
        *([Path(mask)] if mask else []),
    ]
    check_output(out, [*inputs, *([Path(checkpoint)] if checkpoint else [])], overwrite)
    if style:
        if not isinstance(painting, str | Path):
            raise ValueError("--style takes one --painting (the reference)")
        reference = read_painting(Path(painting))
    info = probe_footage(footage, max_frames, shots=True)
    span = frame_range(start, end, info.frames)
    steps = adapt_steps(adapt)
    key_paintings = read_keyframes(painting, keyframe, keys, info) if keyed else None
    mask_path = check_mask(mask, info) if mask is not None else None
    cfg = _read_config(checkpoint)
    window, overlap = _resolve_windows(cfg, window, overlap)
    rate = Fraction(fps).limit_denominator(1001) if fps else info.fps or DEFAULT_FPS
    return RenderPlan(
        reference=reference if style else None,
        keys=key_paintings,
        footage=info,
        span=span,
        mask=mask_path,
        alpha=alpha,
        out=out,
        out_kind=kind,
        depth=depth,
        codec=codec,
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
        resolution=resolution,
        network=network,
        strokes=strokes,
        adapt=steps,
    )


def _paths(painting) -> list[Path]:
    if painting is None:
        return []
    return [Path(painting)] if isinstance(painting, str | Path) else [Path(p) for p in painting]


def adapt_steps(adapt: str | int) -> int | None:
    """``--adapt``: auto | off (None) | STEPS (the shot painter's training steps; 0: the feature
    map alone). auto: AUTO_STEPS, the feature map alone in both roles (about a second a shot, and
    the best measured on held-out material)."""
    from .adapt import AUTO_STEPS

    text = str(adapt).strip().lower()
    if text == "auto":
        return AUTO_STEPS
    if text == "off":
        return None
    if text.isdigit() and 0 <= int(text) <= 100_000:
        return int(text)
    raise ValueError(f"--adapt must be auto, off or a number of steps (0..100000), got {adapt!r}")


def _check_deliverable(out: Path, kind: str, *, depth: int, codec: str, alpha: bool) -> str:
    """``--codec`` (lower case) once ``--depth``, ``--codec`` and ``--alpha`` fit ``--out``: a
    folder takes 8 or 16 bits with or without alpha; a video what its codec writes."""
    if depth not in DEPTHS:
        raise ValueError(f"--depth must be 8 or 16 (bits per channel), got {depth!r}")
    name = str(codec).strip().lower()
    if name not in CODECS:
        raise ValueError(f"unknown --codec {codec!r}; choose one of {', '.join(CODECS)}")
    spec = CODECS[name]
    exts = "/".join(sorted(spec.exts))
    if kind == "frames":
        if name != "h264":  # the default; a folder gets PNG frames whatever the codec
            raise ValueError(f"--codec {name} writes a {exts} file: give --out one, not a folder")
        return name
    if out.suffix.lower() not in spec.exts:
        raise ValueError(f"--codec {name} writes {exts} files only, not {out.suffix}")
    rich = " or ".join(  # the codecs that take what a folder does: "--codec prores (.mov)"
        f"--codec {n} ({'/'.join(sorted(c.exts))})"
        for n, c in CODECS.items()
        if c.alpha_pix_fmt and 16 in c.depths
    )
    if alpha and spec.alpha_pix_fmt is None:
        raise ValueError(
            f"--alpha writes RGBA frames: give --out a folder (PNG) or use {rich}; "
            f"{name} has no alpha"
        )
    if depth not in spec.depths:
        raise ValueError(
            f"--depth {depth} needs a folder --out (16-bit PNG) or {rich}; "
            f"{name} video is {max(spec.depths)}-bit"
        )
    return name


def _resolve_runtime(
    runtime: str, device: str, precision: str, compile: bool
) -> tuple[torch.device, str]:
    """(device, "fp32" | "bf16") the model will run with; ``runtime`` is one of RUNTIMES."""
    # onnxruntime picks its own provider (CUDA first when present); tensors stay on the CPU
    dev = torch.device("cpu") if runtime == "onnx" and device == "auto" else resolve_device(device)
    if runtime == "onnx" and (compile or precision == "bf16" or dev.type != "cpu"):
        raise ValueError(
            "--runtime onnx runs fp32 on onnxruntime's own CPU provider: drop --compile, "
            "use --precision fp32 (or auto) and --device cpu"
        )
    return dev, "fp32" if runtime == "onnx" else resolve_precision(precision, dev)


def _resolve_windows(
    cfg: CamFuseConfig, window: int | None, overlap: int | None
) -> tuple[int, int]:
    """(window, overlap): the model's training T and DEFAULT_OVERLAP unless given; checked."""
    window = window or cfg.data.frames
    if window > cfg.model.max_frames:
        raise ValueError(
            f"--window {window} exceeds the model's max_frames ({cfg.model.max_frames})"
        )
    overlap = DEFAULT_OVERLAP if overlap is None else overlap
    if overlap >= window:
        raise ValueError(f"--overlap must be smaller than the window ({window}), got {overlap}")
    return window, overlap


def _check_options(*, keyed, style, strength, size, fps, window, overlap) -> None:
    if keyed == style:
        raise ValueError(
            "pass exactly one of --keyframe K (the painting paints over footage frame K), "
            "--keys DIR (paintings named by frame number) or --style (the painting is a style "
            "reference)"
        )
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"--strength must be in [0, 1], got {strength}")
    if size is not None and not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"--size must be in [{MIN_SIZE}, {MAX_SIZE}], got {size}")
    if fps is not None and not MIN_FPS <= fps <= MAX_FPS:  # also refuses nan
        raise ValueError(f"--fps must be in [{MIN_FPS}, {MAX_FPS}], got {fps}")
    if window is not None and window < 1:
        raise ValueError(f"--window must be at least 1, got {window}")
    if overlap is not None and overlap < 0:
        raise ValueError(f"--overlap must be >= 0, got {overlap}")


def _read_config(checkpoint: str | Path | None) -> CamFuseConfig:
    """The model's config from the JSON beside its weights: no weights are loaded yet."""
    meta = read_meta(checkpoint if checkpoint is not None else DEFAULT_MODEL)
    try:
        return CamFuseConfig.from_dict(meta["config"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"model config beside {checkpoint or DEFAULT_MODEL} is invalid: {exc}"
        ) from None


__all__ = ["DEFAULT_FPS", "RUNTIMES", "RenderPlan", "prepare"]
