"""Where a batch writes: plain names inside ``--out``, never over an input or another shot.

A manifest may come from a tracking tool or a colleague, and ``--out`` is often shared storage, so
nothing in it may steer a write elsewhere. A shot's ``name`` is a plain file name (it names
``OUT/<name>.mp4`` and the record ``OUT/.camfuse-batch/<name>.json``); a shot's ``out`` is a
relative path of plain names under OUT. :func:`check_outputs` then compares every output, after
resolving links, with every input of every shot (and the manifest, and the model) and with the
other shots' outputs, before anything runs.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from ..media import resolve_path

RECORDS = ".camfuse-batch"  # per-shot records (hash, result) beside the outputs
SUMMARY = "batch-summary.json"
RAY_LOG = "ray.log"  # in RECORDS: Ray's own messages (camfuse.batch.session)
MAX_NAME_BYTES = 200  # NAME_MAX is 255; staging adds ".", ".camfuse-PID-TOKEN.partial" and ".json"


def name_problem(name: str) -> str | None:
    """Why ``name`` is not a plain file name (None when it is)."""
    if not name.strip():
        return "is empty"
    if "/" in name or "\\" in name:
        return "holds a path separator"
    if name.startswith("."):
        return "starts with '.'"
    if has_control(name):
        return "holds a control character"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    return None


def has_control(text: str) -> bool:
    """Control, format (bidi overrides), surrogate or line-separator characters: a file name
    with one would be hard to see, type or print on one line."""
    return any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in text)


def check_name(name: str, where: str) -> None:
    """Raise ValueError naming ``where`` unless ``name`` can be a shot's file name."""
    problem = name_problem(name)
    if problem:
        raise ValueError(f"{where}: name {name!r} {problem}; a name must be a plain file name")


def output_path(out_dir: Path, out: str, where: str) -> Path:
    """A shot's ``out`` (relative to OUT, plain names, a trailing '/' for a folder) -> its path."""
    parts = out.rstrip("/").split("/")
    if out.startswith("/") or not out.rstrip("/"):
        raise ValueError(f"{where}: out {out!r} must be a path relative to --out, inside it")
    for part in parts:
        problem = name_problem(part)
        if problem:
            raise ValueError(
                f"{where}: out {out!r}: {part!r} {problem}; out is a path of plain names inside --out"
            )
    if parts == [SUMMARY]:
        raise ValueError(f"{where}: out {out!r} is where the batch writes its summary")
    return out_dir.joinpath(*parts)


def check_outputs(
    out_dir: Path,
    outputs: list[tuple[str, Path]],
    inputs: list[tuple[str, Path]],
) -> None:
    """Raise ValueError unless every output lies inside ``out_dir`` and touches no input and no
    other output. ``outputs`` and ``inputs``: (the row that names it, path)."""
    root = resolve_path(out_dir, "--out")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"--out {out_dir} is a file, not a folder")
    mine = [("the batch's summary", out_dir / SUMMARY), ("the batch's records", out_dir / RECORDS)]
    resolved_in = [(where, p, resolve_path(p, f"{where}: input")) for where, p in inputs]
    seen: list[tuple[str, Path, Path]] = []
    for where, out in [*outputs, *mine]:  # the rows' own first, so the message names a row
        target = resolve_path(out, f"{where}: output")
        if target != root and root not in target.parents:
            raise ValueError(f"{where}: output {out} resolves to {target}, outside --out {out_dir}")
        for src_where, p, src in resolved_in:
            if target == src or target in src.parents:
                raise ValueError(f"{where}: output {out} would overwrite {_input(src_where, p)}")
            if src in target.parents:
                raise ValueError(f"{where}: output {out} lies inside the input folder "
                                 f"{_input(src_where, p)}")  # fmt: skip
        for other_where, other, resolved in seen:
            if target == resolved or resolved in target.parents or target in resolved.parents:
                raise ValueError(f"{where}: output {out} collides with {other} ({other_where})")
        seen.append((where, out, target))


def _input(where: str, p: Path) -> str:
    return f"{p} ({where})" if where.startswith("row") else f"the {where} {p}"


__all__ = [
    "MAX_NAME_BYTES",
    "RAY_LOG",
    "RECORDS",
    "SUMMARY",
    "check_name",
    "check_outputs",
    "has_control",
    "output_path",
]
