"""``camfuse render``, ``camfuse demo`` and ``camfuse info``: the commands an artist runs."""

from __future__ import annotations

from pathlib import Path

import typer

from . import options
from .app import app, progress


@app.command()
def render(
    painting: list[str] | None = typer.Option(
        None,
        "--painting",
        "-p",
        metavar="IMAGE",
        help="The painting (PNG/JPG/WebP/TIFF; transparent pixels keep the footage). "
        "Keyframe role: one per --keyframe, in the same order.",
    ),
    footage: str = typer.Option(
        ...,
        "--footage",
        "-f",
        metavar="VIDEO|DIR",
        help="mp4/mov/mkv/webm/gif, or a folder of PNG/JPG frames.",
    ),
    out: str = typer.Option(
        ...,
        "--out",
        "-o",
        metavar="FILE|DIR",
        help="A .mp4/.mov/.mkv file, or a folder (no extension or trailing /) for PNG frames.",
    ),
    keyframe: list[int] | None = typer.Option(
        None,
        "--keyframe",
        "-k",
        metavar="K",
        help="The painting paints over footage frame K (0-based); repeat for several keyframes.",
    ),
    keys: str | None = typer.Option(
        None,
        "--keys",
        metavar="DIR",
        help="Keyframe paintings named by frame number (00012.png paints frame 12); instead of "
        "--keyframe/--painting.",
    ),
    mask: str | None = typer.Option(
        None,
        "--mask",
        metavar="VIDEO|DIR",
        help="One greyscale frame per footage frame: paint inside (white), footage outside.",
    ),
    start: int | None = typer.Option(
        None, "--start", metavar="N", help="First frame to render (default 0)."
    ),
    end: int | None = typer.Option(
        None,
        "--end",
        metavar="N",
        help="First frame not rendered (default: the clip's length). Keyframe numbers stay the "
        "whole clip's.",
    ),
    alpha: bool = typer.Option(
        False,
        "--alpha",
        help="RGBA output, the paint with where it goes as alpha: PNG frames into a folder --out, "
        "or with --codec prores into a .mov.",
    ),
    depth: int = typer.Option(
        8,
        "--depth",
        metavar="8|16",
        help="Bits per channel: 16 writes 16-bit PNG frames into a folder --out, or feeds ProRes "
        "(10-bit) more than 8; H.264 is 8-bit only.",
    ),
    codec: str = typer.Option(
        "h264",
        "--codec",
        metavar="h264|prores",
        help="Video --out: h264 (yuv420p, .mp4/.mov/.mkv) | prores (ProRes 4444, 4:4:4 10-bit, "
        "alpha with --alpha; .mov only).",
    ),
    style: bool = typer.Option(
        False, "--style", help="The painting is a style reference, not a paint-over."
    ),
    strength: float = typer.Option(
        1.0, "--strength", "-s", metavar="S", help="0 = footage, 1 = fully painterly."
    ),
    palette: bool = typer.Option(
        True,
        "--palette/--no-palette",
        help="--style: move the result's colours onto the reference's (default on).",
    ),
    checkpoint: str | None = options.checkpoint(),
    size: int | None = options.size(
        "Model resolution, long side in px (default: the model's training size)."
    ),
    device: str = options.device(),
    precision: str = typer.Option(
        "auto",
        "--precision",
        help="auto (bf16 where the hardware computes it natively, else fp32) | fp32 | bf16.",
    ),
    compile_: bool = typer.Option(
        False, "--compile", help="torch.compile the model first (minutes; for long shots)."
    ),
    runtime: str = typer.Option(
        "torch",
        "--runtime",
        help="torch | onnx (onnxruntime, fp32: faster than torch on CPUs without native bf16; "
        "exported once per size, cached).",
    ),
    adapt: str = typer.Option(
        "auto",
        "--adapt",
        metavar="auto|off|STEPS",
        help="Per-shot adaptation. Keyframe role: learn your paint-over's look first, so content "
        "the keyframe never showed gets it. Style role: first paint the middle frame of each shot "
        "from the reference, then carry it like a paint-over (off: a palette filter). auto: the "
        "feature map alone (about a second a shot; the painter's steps did not pay on held-out "
        "clips); STEPS: the shot painter's steps (0: the "
        "feature map alone); cached per shot.",
    ),
    resolution: str = typer.Option(
        "full",
        "--resolution",
        metavar="full|model",
        help="full (default): the output keeps the paint-over's own detail at the footage's size "
        "(the keyframe's paint carried at full size, and repainted where the frame no longer shows "
        "what the keyframe did). model: everything at the model size, scaled up (faster, soft).",
    ),
    network: str = typer.Option(
        "auto",
        "--network",
        metavar="auto|on|off",
        help="auto (default): off with a paint-over, on with a style reference, where each is "
        "measured better (README, What the network adds). off: render without the network, the "
        "guide (the paint-over carried where the track holds, the per-shot fill elsewhere) "
        "composed as usual. on: the network paints every frame from its guide.",
    ),
    strokes: str = typer.Option(
        "on",
        "--strokes",
        metavar="on|off",
        help="on (default, with --resolution full): where the fill paints (new or changed "
        "content), copy the keyframe's brush marks from where its footage looks alike; off: the "
        "fill alone there, softer.",
    ),
    flow: str | None = typer.Option(
        None,
        "--flow",
        help="Optical flow of the keyframe track: fine-320 (default) | lean-320 (less flow time, "
        "a guide about as good) | medium | fast | fine; docs/performance.md compares them.",
    ),
    overwrite: bool = options.overwrite("--out"),
    window: int | None = options.window(),
    overlap: int | None = typer.Option(
        None,
        "--overlap",
        metavar="N",
        help="Frames shared by consecutive windows, crossfaded (default: 0).",
    ),
    fps: float | None = typer.Option(
        None,
        "--fps",
        metavar="FPS",
        help="Output frame rate (default: the source's; 24 for frame folders).",
    ),
) -> None:
    """Render footage in the manner of a painting."""
    from ..render import render as run

    with progress("adapting") as on_adapt, progress("rendering") as on_progress:
        summary = run(
            painting[0] if painting and len(painting) == 1 else painting,
            footage,
            out,
            keyframe=keyframe[0] if keyframe and len(keyframe) == 1 else keyframe,
            keys=keys,
            mask=mask,
            start=start,
            end=end,
            alpha=alpha,
            depth=depth,
            codec=codec,
            style=style,
            strength=strength,
            palette=palette,
            checkpoint=checkpoint,
            size=size,
            device=device,
            precision=precision,
            compile=compile_,
            runtime=runtime,
            **({"flow": flow} if flow else {}),
            resolution=resolution,
            network=network,
            strokes=strokes,
            overwrite=overwrite,
            window=window,
            overlap=overlap,
            fps=fps,
            on_progress=on_progress,
            on_adapt=on_adapt,
            adapt=adapt,
        )
    typer.echo(summary.line())


@app.command()
def frames(
    footage: str = typer.Option(..., "--footage", "-f", metavar="VIDEO|DIR", help="The footage."),
    out: str = typer.Option(..., "--out", "-o", metavar="DIR", help="Folder for the PNGs."),
    at: str | None = typer.Option(
        None, "--at", metavar="K,K,...", help="Frame numbers to export, e.g. 0,30,60."
    ),
    every: int | None = typer.Option(
        None, "--every", metavar="N", help="Every N-th frame from 0 (and the last one)."
    ),
    overwrite: bool = options.overwrite("--out"),
) -> None:
    """Export frames to paint over, named by frame number (00030.png): paint them, then render
    with --keys DIR."""
    from ..media import export_frames, probe_footage

    if (at is None) == (every is None):
        raise ValueError("pass exactly one of --at K,K,... or --every N")
    if at is not None:
        parts = [p.strip() for p in at.split(",") if p.strip()]
        if not parts or not all(p.isdigit() for p in parts):
            raise ValueError(f"--at takes frame numbers separated by commas, got {at!r}")
        wanted = [int(p) for p in parts]
    else:
        if every < 1:
            raise ValueError(f"--every must be >= 1, got {every}")
        n = probe_footage(footage).frames
        wanted = [*range(0, n, every), n - 1]
    files = export_frames(footage, out, wanted, overwrite=overwrite)
    typer.echo(f"exported {len(files)} frames -> {out}")


@app.command()
def demo(
    out: str = typer.Option(
        "camfuse-demo",
        "--out",
        "-o",
        help="Folder for the demo's files (created; its own files replaced).",
    ),
    frames: int | None = typer.Option(
        None, "--frames", help="Frames of the carphone clip to render."
    ),
    device: str = options.device(),
    checkpoint: str | None = options.checkpoint(),
    adapt: str = typer.Option(
        "auto", "--adapt", metavar="auto|off|STEPS", help="Per-shot adaptation, as for render."
    ),
) -> None:
    """Render the bundled sample: carphone clip + a procedurally painted keyframe."""
    from ..demo import DEFAULT_FRAMES, describe_model, run_demo

    typer.echo(describe_model(checkpoint))
    with progress("adapting") as on_adapt, progress("demo") as on_progress:
        result = run_demo(
            Path(out),
            frames=frames or DEFAULT_FRAMES,
            device=device,
            checkpoint=checkpoint,
            on_progress=on_progress,
            on_adapt=on_adapt,
            adapt=adapt,
        )
    typer.echo(result.summary.line())
    for name, path in result.files.items():
        typer.echo(f"  {name:<16} {path}")


@app.command()
def info() -> None:
    """Version, device, presets and the bundled model."""
    import torch

    from .. import __version__
    from ..config import presets
    from ..demo import describe_model
    from ..render.runtime import describe_device, resolve_device

    typer.echo(f"camfuse {__version__} (torch {torch.__version__})")
    typer.echo(f"device:  {describe_device(resolve_device('auto'))}")
    typer.echo(f"presets: {', '.join(presets())}")
    try:
        typer.echo(describe_model(None))
    except ValueError as exc:  # no bundled model is not an error for `info`
        typer.echo(f"bundled model: unavailable ({exc})")
