"""Helpers of the CLI tests: run ``main`` in-process, the render arguments, a folder listing."""

from __future__ import annotations

from pathlib import Path

from camfuse.cli import main


def run(capsys, *argv) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # pragma: no cover - main returns codes, but be tolerant
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def render_args(media: Path, footage="clip.mp4", out=None, *extra):
    return [
        "render",
        "--painting",
        media / "paint.png",
        "--footage",
        media / footage,
        "--out",
        out,
        "--checkpoint",
        media / "tiny.safetensors",
        "--device",
        "cpu",
        *extra,
    ]


def listing(*dirs: Path) -> set[str]:
    return {str(p) for d in dirs for p in d.rglob("*")}
