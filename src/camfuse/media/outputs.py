"""Where a render's result goes, written so a failure leaves nothing behind.

``--out`` names a video file (``.mp4``/``.mov``/``.mkv``) or, when it is an existing folder, ends
in a slash or has no extension, a folder of PNG frames. Before anything runs, :func:`check_output`
refuses an output that is (or contains) an input, an existing output without ``overwrite``, and a
folder holding files camfuse did not write. :func:`staged_output` then hands out a temporary name
in the same folder (``.NAME.partial.mp4`` / ``.NAME.partial/``: same file system, so the final
rename is atomic for files) and moves it over ``--out`` only once the render is complete; on any
error or Ctrl-C the temporary is deleted.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .images import MediaError
from .writers import OUTPUT_VIDEO_EXTS

log = logging.getLogger(__name__)


def output_kind(out: str | Path) -> str:
    """``frames`` for an existing folder, a trailing slash or no extension; ``video`` otherwise."""
    raw = str(out)
    path = Path(raw)
    if raw.endswith(("/", os.sep)) or path.is_dir() or not path.suffix:
        return "frames"
    if path.suffix.lower() not in OUTPUT_VIDEO_EXTS:
        exts = ", ".join(sorted(OUTPUT_VIDEO_EXTS))
        raise MediaError(
            f"unsupported output type {path.suffix!r}: use {exts} or a folder path for PNG frames"
        )
    return "video"


def check_output(out: Path, inputs: list[Path], overwrite: bool) -> None:
    """Raise MediaError unless writing ``out`` is safe (paths compared after resolving links)."""
    target = out.resolve()
    for p in inputs:
        src = p.resolve()
        if target == src or target in src.parents:
            raise MediaError(f"--out {out} would overwrite the input {p}")
    if not target.parent.is_dir():
        raise MediaError(f"output folder does not exist: {target.parent}")
    if out.exists() or out.is_symlink():
        if not overwrite:
            raise MediaError(f"{out} exists; pass --overwrite to replace it")
        if out.is_dir() and any(not _is_frame_output(f) for f in out.iterdir()):
            raise MediaError(f"refusing to replace {out}: it holds files camfuse did not write")


@contextmanager
def staged_output(out: Path, kind: str, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary path beside ``out``; move it over ``out`` on success, delete it otherwise."""
    tmp = partial_path(out, kind)
    remove_path(tmp)  # left over from a killed run: the name is ours
    try:
        yield tmp
        if (out.exists() or out.is_symlink()) and not overwrite:
            raise MediaError(f"{out} appeared while rendering; pass --overwrite to replace it")
        _replace(tmp, out)
    except BaseException as exc:
        remove_path(tmp)
        if isinstance(exc, KeyboardInterrupt):
            log.warning("interrupted: removed the partial output %s", tmp)
        raise


def partial_path(out: Path, kind: str) -> Path:
    return out.with_name(
        f".{out.stem}.partial{out.suffix}" if kind == "video" else f".{out.name}.partial"
    )


def swap_in(tmp: Path, out: Path) -> None:
    """Move the finished folder ``tmp`` to ``out``. Folders cannot be replaced atomically: an
    earlier ``out`` is moved aside first and deleted once the new one is in place."""
    old = out.with_name(f".{out.name}.old")
    remove_path(old)
    if out.exists() or out.is_symlink():
        os.replace(out, old)
    os.replace(tmp, out)
    remove_path(old)


def _replace(tmp: Path, out: Path) -> None:
    if out.is_dir() and not out.is_symlink():
        swap_in(tmp, out)
        return
    if out.is_symlink() or (out.exists() and tmp.is_dir()):
        out.unlink()
    os.replace(tmp, out)


def _is_frame_output(f: Path) -> bool:
    return f.is_file() and f.name.startswith("frame_") and f.suffix == ".png"


def remove_path(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
