"""``camfuse train``, ``camfuse data make`` and ``camfuse data real``: models and the data they
learn from and are measured on."""

from __future__ import annotations

from pathlib import Path

import typer

from . import options
from .app import app, data_app, progress

ACCELERATORS = ("auto", "cpu", "gpu", "cuda")


@app.command()
def train(
    preset: str = typer.Option(
        "cpu", "--preset", help="tiny | cpu | paper | a YAML/JSON config path."
    ),
    set_: list[str] = typer.Option(
        [], "--set", help="Config override section.field=value (repeatable)."
    ),
    out: str | None = typer.Option(None, "--out", "-o", help="Run folder (default: runs/PRESET)."),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Override train.max_steps."),
    devices: int = typer.Option(1, "--devices", help="Processes (devices) per node."),
    num_nodes: int = typer.Option(1, "--num-nodes", help="Machines (DDP)."),
    accelerator: str = typer.Option("auto", "--accelerator", help="auto | cpu | gpu"),
    precision: str | None = typer.Option(
        None, "--precision", help="32-true | bf16-mixed | 16-mixed (default: the preset's)."
    ),
    resume: str | None = typer.Option(
        None, "--resume", help="A .ckpt file or a run folder to continue from."
    ),
) -> None:
    """Train a model (PyTorch Lightning; DDP across devices/nodes)."""
    from ..config import load_config

    if max_steps is not None and max_steps < 1:
        raise ValueError(f"--max-steps must be >= 1, got {max_steps}")
    if precision is not None and precision not in options.TRAIN_PRECISIONS:
        raise ValueError(
            f"--precision must be one of {', '.join(options.TRAIN_PRECISIONS)}, got {precision!r}"
        )
    if accelerator not in ACCELERATORS:
        raise ValueError(
            f"--accelerator must be one of {', '.join(ACCELERATORS)}, got {accelerator!r}"
        )
    if devices < 1 or num_nodes < 1:
        raise ValueError(f"--devices and --num-nodes must be >= 1, got {devices} and {num_nodes}")
    if resume is not None and not Path(resume).exists():
        raise ValueError(f"--resume checkpoint not found: {resume}")
    cfg = load_config(preset, list(set_) or None)
    out_dir = Path(out) if out else Path("runs") / cfg.name

    from ..training.run import train as run_train  # Lightning is imported only here

    model_file = run_train(
        cfg,
        out_dir=out_dir,
        devices=devices,
        num_nodes=num_nodes,
        accelerator=accelerator,
        resume=resume,
        max_steps=max_steps,
        precision=precision,
    )
    typer.echo(f"trained {cfg.name} -> {model_file}")


@data_app.command("make")
def data_make(
    out: str = typer.Option(
        ..., "--out", "-o", help="New (or empty) folder for PNG frames + manifest.json."
    ),
    samples: int = typer.Option(..., "--samples", help="Number of clips."),
    frames: int = typer.Option(4, "--frames", help="Frames per clip (T)."),
    size: int = typer.Option(
        128, "--size", metavar="PX", help="Square frame size in px, a multiple of 16."
    ),
    seed: int = typer.Option(
        0,
        "--seed",
        help="Split seed: clip seeds come from the held-out range, never used by training; a different --seed gives a disjoint split.",
    ),
    painters: str | None = typer.Option(
        None, "--painters", help="Comma-separated painter names (default: all)."
    ),
) -> None:
    """Write a fixed synthetic data set (paint-over clips with ground truth) to disk."""
    if samples < 1:
        raise ValueError(f"--samples must be >= 1, got {samples}")
    if not 1 <= frames <= 64:
        raise ValueError(f"--frames must be in [1, 64], got {frames}")
    if not 32 <= size <= 1024 or size % 16:
        raise ValueError(f"--size must be a multiple of 16 in [32, 1024], got {size}")
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ValueError(f"--out {out} exists and is not an empty folder")
    names = [p.strip() for p in painters.split(",") if p.strip()] if painters else None
    if names is not None:
        from ..data.painters import PAINTERS

        unknown = sorted(set(names) - set(PAINTERS))
        if unknown or not names:
            raise ValueError(
                f"unknown painter(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(sorted(PAINTERS))}"
            )

    from ..data.splits import write_split

    write_split(target, samples=samples, frames=frames, size=size, seed=seed, painters=names)
    typer.echo(f"wrote {samples} clips of {frames} frames at {size} px -> {target}")


def _names(text: str | None, flag: str) -> list[str] | None:
    names = [n.strip() for n in text.split(",") if n.strip()] if text is not None else None
    if names is not None and not names:
        raise ValueError(f"{flag} names nothing")
    return names


@data_app.command("real")
def data_real(
    out: str = typer.Option(
        ..., "--out", "-o", help="New (or empty) folder for PNG frames + manifest.json."
    ),
    clips: str | None = typer.Option(
        None, "--clips", help="Comma list of bikes, bigbuckbunny, carphone (default: all)."
    ),
    painters: str | None = typer.Option(
        None, "--painters", help="Comma-separated painter names (default: all)."
    ),
    frames: int = typer.Option(24, "--frames", help="First N frames of every clip."),
    keyframe: int = options.keyframe("The paint-over given to methods is painted frame K."),
    seed: int = typer.Option(0, "--seed", help="Seed of every (clip, painter)'s parameters."),
) -> None:
    """Write a real-footage split: bundled real clips at their own size, every frame painted."""
    from ..data.painters import PAINTERS
    from ..data.real import CLIPS, MAX_FRAMES, check_names

    clip_names = _names(clips, "--clips") or list(CLIPS)
    painter_names = _names(painters, "--painters") or list(PAINTERS)
    check_names(clip_names, painter_names)
    if not 2 <= frames <= MAX_FRAMES:
        raise ValueError(f"--frames must be in [2, {MAX_FRAMES}], got {frames}")
    k = 0 if keyframe is None else keyframe
    if not 0 <= k < frames:
        raise ValueError(f"--keyframe must be in [0, {frames - 1}], got {k}")
    if seed < 0:
        raise ValueError(f"--seed must be >= 0, got {seed}")
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ValueError(f"--out {out} exists and is not an empty folder")

    from ..data.real import write_real_split

    with progress("painting") as on_progress:
        write_real_split(
            target,
            clips=clip_names,
            painters=painter_names,
            frames=frames,
            keyframe=k,
            seed=seed,
            on_progress=on_progress,
        )
    n = len(clip_names) * len(painter_names)
    typer.echo(
        f"wrote {n} clips ({', '.join(clip_names)} x {len(painter_names)} painters) of {frames} frames -> {target}"
    )
