"""Typer options that several commands share, defined once (same flags, same help everywhere)."""

from __future__ import annotations

import typer

TRAIN_PRECISIONS = ("32-true", "bf16-mixed", "16-mixed")  # Lightning's names


def checkpoint():
    return typer.Option(
        None, "--checkpoint", "-c", metavar="FILE", help="Model file (default: the bundled model)."
    )


def device():
    return typer.Option("auto", "--device", help="auto | cpu | cuda | cuda:N | mps")


def overwrite(what: str):
    return typer.Option(False, "--overwrite", help=f"Replace an existing {what}.")


def keyframe(help: str = "The painting paints over footage frame K (0-based)."):
    return typer.Option(None, "--keyframe", "-k", metavar="K", help=help)


def size(help: str, default: int | None = None):
    return typer.Option(default, "--size", metavar="PX", help=help)


def window(help: str = "Frames per model call (default: the model's training T)."):
    return typer.Option(None, "--window", metavar="T", help=help)
