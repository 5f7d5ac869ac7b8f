"""``camfuse export``: a model as ONNX graphs for onnxruntime (registered on the app).

Same rules as every command: parse, validate, dispatch, one-line
errors (raised as ValueError and turned into ``error: ...`` by ``cli.main``). After writing, the
command runs both PyTorch and onnxruntime on a random clip and prints the largest difference, so
the user sees the export is equivalent instead of taking it on trust.
"""

from __future__ import annotations

import math

import typer

from . import options
from .app import app


@app.command()
def export(
    onnx: str = typer.Option(..., "--onnx", metavar="DIR", help="Folder to write the export to."),
    checkpoint: str | None = options.checkpoint(),
    size: int | None = options.size(
        "Long side in px, rounded to a multiple of 16 (default: the model's training size)."
    ),
    aspect: str = typer.Option(
        "1:1", "--aspect", metavar="W:H", help="Frame aspect ratio of the footage to render."
    ),
    window: int | None = options.window("Frames per window (default: the training clip length)."),
    overwrite: bool = options.overwrite("export"),
) -> None:
    """Export a model to ONNX (fixed size and window) and check it against PyTorch."""
    from ..onnx.export import check_out_dir

    ratio = _aspect(aspect)
    if size is not None and not 32 <= size <= 4096:
        raise ValueError(f"--size must be in [32, 4096], got {size}")
    if window is not None and window < 1:
        raise ValueError(f"--window must be >= 1, got {window}")
    out = check_out_dir(onnx, overwrite, (checkpoint,))  # before loading: bad input costs nothing

    import torch

    from ..checkpoint import load_model
    from ..models.inputs import model_size
    from ..onnx.export import export_onnx, max_abs_diff
    from ..onnx.runner import OnnxModel

    model, cfg = load_model(checkpoint, torch.device("cpu"))
    w, h = model_size(*ratio, size or cfg.data.size)
    t = window or cfg.data.frames
    export_onnx(model, out_dir=out, size=(w, h), window=t, overwrite=overwrite)
    diff = max_abs_diff(model, OnnxModel.load(out))
    typer.echo(
        f"exported {w}x{h} frames, window {t} -> {out} "
        f"(max |PyTorch - onnxruntime| on a random clip: {diff:.1e})"
    )


def _aspect(text: str) -> tuple[float, float]:
    """``16:9`` -> (16.0, 9.0); both sides positive numbers."""
    parts = text.split(":")
    try:
        w, h = (float(p) for p in parts) if len(parts) == 2 else (0.0, 0.0)
    except ValueError:
        w = h = 0.0
    if not (0 < w < math.inf and 0 < h < math.inf):
        raise ValueError(f"--aspect must be W:H with positive numbers (e.g. 16:9), got {text!r}")
    return w, h
