"""``camfuse`` command line: thin -- parse, validate, dispatch.

Every user-facing failure (ValueError and its subclasses MediaError / CheckpointError, usage
errors, OSError) ends as one line ``error: ...`` on stderr and a non-zero exit (2 for bad input,
1 for system errors, 130 for Ctrl-C), never a traceback. Anything else is a bug and keeps its
traceback. Heavy modules (torch, training, Lightning) are imported inside the commands that need
them, so ``camfuse --help`` is instant and ``render`` never imports training code.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

log = logging.getLogger("camfuse")

app = typer.Typer(
    name="camfuse",
    help="Painting + live-action footage -> painterly animation.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Training data on disk.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def main(argv: list[str] | None = None) -> int:
    """Console-script entry: returns the exit code (0 on success)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    try:
        try:
            rv = command.main(args=argv, prog_name="camfuse", standalone_mode=False)
        except typer.TyperException as exc:
            if type(exc).__name__ != "NoArgsIsHelpError":  # a bare `camfuse` or `camfuse data`
                raise
            rv = command.main(args=[*argv, "--help"], prog_name="camfuse", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors: unknown option, not an integer, ...
        return _fail(
            exc.format_message() if hasattr(exc, "format_message") else str(exc),
            getattr(exc, "exit_code", 2),
        )
    except typer.Abort:
        return _fail("aborted", 1)
    except ValueError as exc:  # MediaError, CheckpointError and plain bad values from below
        return _fail(str(exc), 2)
    except OSError as exc:  # disk full, permission denied: the system's fault, not the input's
        return _fail(
            f"{exc.strerror or exc.__class__.__name__}: {exc.filename or ''}".rstrip(": "), 1
        )
    return rv if isinstance(rv, int) else 0


def rendering_threads() -> None:
    """Before torch loads: its OpenMP threads sleep instead of spinning between ops.

    A render runs the network beside decoding, optical flow and encoding threads on the same cores;
    spinning threads starve them on a small machine (docs/performance_notes.md). A value the user
    set is kept. Training keeps the default: it runs the network alone, where spinning is faster.
    """
    import os

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"error: {' '.join(str(message).split())}\n")
    return code


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is now (tests swap it), one line per record."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(f"{record.levelname.lower()}: {' '.join(record.getMessage().split())}\n")


_HANDLER = _StderrHandler()


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"camfuse {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Log progress details (INFO) to stderr."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    if _HANDLER not in log.handlers:
        log.addHandler(_HANDLER)
    log.setLevel(logging.INFO if verbose else logging.WARNING)
    log.propagate = False


# ------------------------------------------------------------------------------------- render


@app.command()
def render(
    painting: str = typer.Option(
        ..., "--painting", "-p", metavar="IMAGE", help="The painting (PNG/JPG)."
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
    keyframe: int | None = typer.Option(
        None,
        "--keyframe",
        "-k",
        metavar="K",
        help="The painting paints over footage frame K (0-based).",
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
    checkpoint: str | None = typer.Option(
        None, "--checkpoint", "-c", metavar="FILE", help="Model file (default: the bundled model)."
    ),
    size: int | None = typer.Option(
        None,
        "--size",
        metavar="PX",
        help="Model resolution, long side in px (default: the model's training size).",
    ),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N | mps"),
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
    flow: str | None = typer.Option(
        None,
        "--flow",
        help="Optical flow of the keyframe track: fine-320 (default) | lean-320 (less flow time, "
        "a guide about as good) | medium | fast | fine; docs/performance.md compares them.",
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --out."),
    window: int | None = typer.Option(
        None,
        "--window",
        metavar="T",
        help="Frames per model call (default: the model's training T).",
    ),
    overlap: int | None = typer.Option(
        None,
        "--overlap",
        metavar="N",
        help="Frames shared by consecutive windows, crossfaded (default: window/4).",
    ),
    fps: float | None = typer.Option(
        None,
        "--fps",
        metavar="FPS",
        help="Output frame rate (default: the source's; 24 for frame folders).",
    ),
) -> None:
    """Render footage in the manner of a painting."""
    rendering_threads()
    from .render import render as run

    with _progress("rendering") as on_progress:
        summary = run(
            painting,
            footage,
            out,
            keyframe=keyframe,
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
            overwrite=overwrite,
            window=window,
            overlap=overlap,
            fps=fps,
            on_progress=on_progress,
        )
    typer.echo(summary.line())


class _RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        return Text(f"{task.speed or 0:.1f} frames/s", style="progress.data.speed")


class _progress:
    """A rich progress bar on stderr, created on the first update (so errors print alone); off
    when stderr is not a terminal."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.console = Console(stderr=True)
        self.bar: Progress | None = None
        self.task = None

    def __enter__(self):
        return self.update

    def update(self, done: int, total: int) -> None:
        if not self.console.is_terminal:
            return
        if self.bar is None:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


# --------------------------------------------------------------------------------------- demo


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
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N | mps"),
    checkpoint: str | None = typer.Option(
        None, "--checkpoint", "-c", metavar="FILE", help="Model file (default: the bundled model)."
    ),
) -> None:
    """Render the bundled sample: carphone clip + a procedurally painted keyframe."""
    rendering_threads()
    from .demo import DEFAULT_FRAMES, describe_model, run_demo

    typer.echo(describe_model(checkpoint))
    with _progress("demo") as on_progress:
        result = run_demo(
            Path(out),
            frames=frames or DEFAULT_FRAMES,
            device=device,
            checkpoint=checkpoint,
            on_progress=on_progress,
        )
    typer.echo(result.summary.line())
    for name, path in result.files.items():
        typer.echo(f"  {name:<16} {path}")


# --------------------------------------------------------------------------------------- info


@app.command()
def info() -> None:
    """Version, device, presets and the bundled model."""
    import torch

    from . import __version__
    from .config import presets
    from .demo import describe_model
    from .device import describe_device, resolve_device

    typer.echo(f"camfuse {__version__} (torch {torch.__version__})")
    typer.echo(f"device:  {describe_device(resolve_device('auto'))}")
    typer.echo(f"presets: {', '.join(presets())}")
    try:
        typer.echo(describe_model(None))
    except ValueError as exc:  # no bundled model is not an error for `info`
        typer.echo(f"bundled model: unavailable ({exc})")


# -------------------------------------------------------------------------------------- train

PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")
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
    from .config import load_config

    if max_steps is not None and max_steps < 1:
        raise ValueError(f"--max-steps must be >= 1, got {max_steps}")
    if precision is not None and precision not in PRECISIONS:
        raise ValueError(f"--precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
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

    from .training.run import train as run_train  # Lightning is imported only here

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


# ---------------------------------------------------------------------------------- data make


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
        from .data.painters import PAINTERS

        unknown = sorted(set(names) - set(PAINTERS))
        if unknown or not names:
            raise ValueError(
                f"unknown painter(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(sorted(PAINTERS))}"
            )

    from .data.splits import write_split

    write_split(target, samples=samples, frames=frames, size=size, seed=seed, painters=names)
    typer.echo(f"wrote {samples} clips of {frames} frames at {size} px -> {target}")


from . import cli_evaluate  # noqa: E402, F401  registers `evaluate` and `ablate` on the app

if __name__ == "__main__":
    sys.exit(main())
from . import cli_export  # noqa: E402, F401  registers `export` on the app
