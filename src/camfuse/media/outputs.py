"""Where results go, written so that a failure leaves nothing behind and touches nothing else.

Every command that writes (render, demo, export, evaluate, data make, model files) goes through
this module:

- :func:`check_output` runs before any work: it refuses an output that is an input, contains an
  input, or lies inside an input folder; an existing output without ``overwrite``; and an existing
  folder holding files the command did not write (``owned`` says which it writes).
- :func:`staged_output` hands out a temporary name beside the output and moves it over the output
  only once the work is complete; on any error, Ctrl-C, SIGTERM or SIGHUP it is deleted.
- :func:`write_atomic` does the same for one small file.

Temporary names are unique to the run: ``.NAME.camfuse-PID-TOKEN.partial[.ext]`` (and ``.old``
for a folder being replaced), so a run never deletes a file or folder a user made, whatever its
name. A run killed by SIGKILL cannot clean up; the next run writing the same output removes such
leftovers, but only those whose process (PID) no longer exists.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .images import MediaError
from .writers import OUTPUT_VIDEO_EXTS

log = logging.getLogger(__name__)

_TAG = "camfuse"


def resolve_path(path: str | Path, what: str = "path") -> Path:
    """``path`` made absolute with links resolved; a symlink loop, a name too long or a folder
    that cannot be read is a :class:`MediaError` naming ``what``, not an OS traceback."""
    path = Path(path)
    try:
        return path.resolve()
    except RuntimeError:  # Python < 3.13 reports loops this way
        raise MediaError(f"{what} {path} is a symlink loop") from None
    except OSError as exc:
        reason = {errno.ELOOP: "is a symlink loop", errno.ENAMETOOLONG: "is too long"}.get(
            exc.errno, f"cannot be resolved ({exc.strerror or exc.__class__.__name__})"
        )
        raise MediaError(f"{what} {path} {reason}") from None


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


def is_frame_output(f: Path) -> bool:
    """A file ``camfuse render`` writes into a frame folder."""
    return f.is_file() and f.name.startswith("frame_") and f.suffix == ".png"


def check_output(
    out: Path,
    inputs: Iterable[Path | str | None],
    overwrite: bool,
    *,
    flag: str = "--out",
    owned: Callable[[Path], bool] = is_frame_output,
) -> None:
    """Raise MediaError unless writing ``out`` is safe (paths compared after resolving links)."""
    target = resolve_path(out, flag)
    for p in inputs:
        if p is None:
            continue
        src = resolve_path(p, "input")
        if target == src or target in src.parents:
            raise MediaError(f"{flag} {out} would overwrite the input {p}")
        if src in target.parents:
            raise MediaError(f"{flag} {out} lies inside the input folder {p}; write it elsewhere")
    if not target.parent.is_dir():
        raise MediaError(f"output folder does not exist: {target.parent}")
    if out.exists() or out.is_symlink():
        if not overwrite:
            raise MediaError(f"{out} exists; pass --overwrite to replace it")
        if out.is_dir() and any(not owned(f) for f in out.iterdir()):
            raise MediaError(f"refusing to replace {out}: it holds files camfuse did not write")


def temp_path(out: Path, kind: str = "file", role: str = "partial") -> Path:
    """A sibling of ``out`` no one else uses: ``.NAME.camfuse-PID-TOKEN.ROLE`` (+ the extension
    for files, so writers that choose a format by extension still see it)."""
    stem = out.stem if kind != "frames" and out.suffix else out.name
    ext = out.suffix if kind != "frames" else ""
    return out.with_name(f".{stem}.{_TAG}-{os.getpid()}-{secrets.token_hex(4)}.{role}{ext}")


def clean_stale(out: Path) -> None:
    """Remove temporaries of ``out`` left by runs that were killed (their PID no longer exists)."""
    names = {re.escape(out.name), re.escape(out.stem)}
    pattern = re.compile(rf"^\.(?:{'|'.join(names)})\.{_TAG}-(\d+)-[0-9a-f]{{8}}\.(?:partial|old)")
    try:
        siblings = list(out.parent.iterdir())
    except OSError:
        return
    for p in siblings:
        m = pattern.match(p.name)
        if m and not _alive(int(m[1])):
            log.info("removing %s, left by a killed run", p)
            remove_path(p)


@contextmanager
def staged_output(out: Path, kind: str, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary path beside ``out``; move it over ``out`` on success, delete it otherwise.

    ``kind`` "frames" for a folder, anything else for a file."""
    clean_stale(out)
    tmp = temp_path(out, kind)
    try:
        yield tmp
        if (out.exists() or out.is_symlink()) and not overwrite:
            raise MediaError(f"{out} appeared while it was being written; pass --overwrite")
        _replace(tmp, out)
    except BaseException as exc:
        remove_path(tmp)
        if isinstance(exc, KeyboardInterrupt):
            log.warning("interrupted: removed the partial output %s", tmp)
        raise


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write one file under a run-unique temporary name, then rename: no reader sees half a file."""
    with staged_output(path, "file", overwrite=True) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data)


def swap_in(tmp: Path, out: Path) -> None:
    """Move the finished folder ``tmp`` to ``out``. Folders cannot be replaced atomically: an
    earlier ``out`` is moved aside (to a run-unique name) and deleted once the new one is in."""
    old = temp_path(out, "frames", role="old")
    if out.exists() or out.is_symlink():
        os.replace(out, old)
    os.replace(tmp, out)
    remove_path(old)


def remove_path(path: Path) -> None:
    """Delete a file, link or folder tree if it exists (links are removed, never followed)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _replace(tmp: Path, out: Path) -> None:
    if out.is_dir() and not out.is_symlink():
        swap_in(tmp, out)
        return
    if out.is_symlink() or (out.exists() and tmp.is_dir()):
        out.unlink()
    os.replace(tmp, out)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but not ours to signal
        return True
    return True
