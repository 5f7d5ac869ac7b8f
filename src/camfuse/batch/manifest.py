"""A batch manifest: many shots, each a ``camfuse render``, in YAML or CSV; read and validated.

YAML::

    defaults:            # any shot option, for every shot (a shot's own value wins)
      size: 256
      adapt: "off"
    shots:
      - name: sh010
        footage: plates/sh010.mp4        # paths are relative to the manifest's folder
        keyframe: [0, 48]                # with as many paintings, in the same order
        painting: [paint/sh010_0000.png, paint/sh010_0048.png]
      - name: sh020
        footage: plates/sh020.mp4
        keys: paint/sh020/               # or a keys folder (00012.png paints frame 12)
        mask: mattes/sh020/
      - name: sh030
        footage: plates/sh030.mp4
        style: true
        painting: refs/monet.jpg
        strength: 0.8

CSV: a header row with the same option names, one shot per line; several keyframes and paintings
separated by ``;``. Both are read as UTF-8, with or without a byte-order mark (a spreadsheet's
"CSV UTF-8" writes one). The output is ``OUT/<name>.mp4`` unless a shot gives ``out`` (a file or,
with a trailing ``/``, a PNG folder, relative to OUT and inside it).

:func:`read_manifest` refuses a malformed manifest as a whole (one line naming the row): bad
YAML/CSV, an unknown option, a wrong type, a name that is not a plain file name or is used twice,
a missing input file, or an output outside OUT, over an input or over another shot's output
(:mod:`camfuse.batch.paths`). :func:`check_shots` then runs the render's own checks
(:func:`camfuse.render.prepare`: frame ranges, keyframes, masks, sizes; nothing loaded or
written) on every shot before any work starts.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..media import MediaError
from .paths import check_name, check_outputs, has_control, output_path

# shot option -> the type it must have (after CSV text is parsed)
OPTIONS: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "footage": (str,),
    "out": (str,),
    "painting": (str, list),
    "keyframe": (int, list),
    "keys": (str,),
    "style": (bool,),
    "mask": (str,),
    "start": (int,),
    "end": (int,),
    "alpha": (bool,),
    "strength": (float, int),
    "palette": (bool,),
    "size": (int,),
    "adapt": (str, int),
    "window": (int,),
    "overlap": (int,),
    "fps": (float, int),
    "flow": (str,),
    "resolution": (str,),
    "depth": (int,),
    "codec": (str,),
}
PATHS = ("footage", "painting", "keys", "mask")
REQUIRED = ("name", "footage")


def _video_ext(options: dict) -> str:
    """The default output's extension: ProRes lives in .mov, H.264 in .mp4."""
    return ".mov" if str(options.get("codec", "")).lower() == "prores" else ".mp4"


class ManifestError(ValueError):
    """A malformed manifest: one line, naming the row."""


@dataclass(frozen=True)
class Shot:
    row: int  # YAML: the shot's position (1-based); CSV: its line number
    name: str
    footage: Path
    out: Path
    options: dict[str, Any]  # camfuse.render.render keywords besides painting / footage / out

    @property
    def where(self) -> str:
        return f"row {self.row} ({self.name})"

    @property
    def inputs(self) -> list[Path]:
        """The paths the shot reads: footage, paintings, keys and mask folders."""
        paint = self.options.get("painting")
        paths = [self.footage, *map(Path, [paint] if isinstance(paint, str) else paint or [])]
        return paths + [Path(self.options[k]) for k in ("keys", "mask") if k in self.options]

    def render_args(self) -> tuple[Any, Path, Path, dict[str, Any]]:
        opts = dict(self.options)
        painting = opts.pop("painting", None)
        return painting, self.footage, self.out, opts

    def digest(self, settings: dict[str, Any]) -> str:
        """sha256 of every input file's bytes and the options: what decides the output."""
        h = hashlib.sha256()
        h.update(json.dumps([self.options, settings], sort_keys=True, default=str).encode())
        for p in _input_files(self):
            h.update(str(p.name).encode())
            with p.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        return h.hexdigest()


def read_manifest(
    path: str | Path, out_dir: str | Path, *, model: str | Path | None = None
) -> list[Shot]:
    """Parse and check a YAML or CSV manifest; paths resolved against its folder. ``model``: the
    checkpoint the shots use, an input no output may overwrite."""
    path, out_dir = Path(path), Path(out_dir)
    if not path.is_file():
        raise MediaError(f"manifest not found: {path}")
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        defaults, rows = _yaml_rows(path)
    elif suffix == ".csv":
        defaults, rows = {}, _csv_rows(path)
    else:
        raise ManifestError(f"manifest {path} must be .yaml, .yml or .csv")
    if not rows:
        raise ManifestError(f"manifest {path} lists no shots")
    _check_fields(defaults, "defaults")
    shots: list[Shot] = []
    for row, fields in rows:
        shots.append(_shot(row, {**defaults, **_fields(fields, row)}, path.parent, out_dir))
        if shots[-1].name in {s.name for s in shots[:-1]}:
            raise ManifestError(f"{shots[-1].where}: the name {shots[-1].name!r} is used twice")
    model_files = [Path(model), Path(model).with_suffix(".json")] if model else []
    inputs = [("manifest", path), *(("model", p) for p in model_files)]
    inputs += [(s.where, p) for s in shots for p in s.inputs]
    _checked(check_outputs, out_dir, [(s.where, s.out) for s in shots], inputs)
    return shots


def _fields(fields: dict, row: int) -> dict:
    _check_fields(fields, f"row {row}")
    return fields


def _shot(row: int, merged: dict[str, Any], base: Path, out_dir: Path) -> Shot:
    """One row (defaults merged in) -> a Shot: required options, a plain name, inputs found."""
    for key in REQUIRED:
        if key not in merged:
            raise ManifestError(f"row {row}: missing {key!r}")
    name = merged.pop("name")
    _checked(check_name, name, f"row {row}")
    where = f"row {row} ({name})"
    for key in PATHS:
        if key in merged:
            merged[key] = _checked(_resolve, merged[key], base)
            for p in [merged[key]] if isinstance(merged[key], str) else merged[key]:
                if has_control(p):
                    raise ManifestError(f"{where}: {key} {p!r} holds a control character")
                if not os.path.exists(p):  # refuses the whole manifest, not just this shot
                    raise ManifestError(f"{where}: {key} {p} not found")
    out = _checked(output_path, out_dir, merged.pop("out", f"{name}{_video_ext(merged)}"), where)
    return Shot(row, name, Path(merged.pop("footage")), out, merged)


def _checked(check, *args):
    """``check(*args)`` with its ValueError as a ManifestError (the manifest is refused)."""
    try:
        return check(*args)
    except ValueError as exc:
        raise ManifestError(str(exc)) from None


def _yaml_rows(path: Path) -> tuple[dict, list[tuple[int, dict]]]:
    try:
        data = yaml.safe_load(_text(path))
    except (yaml.YAMLError, RecursionError) as exc:
        raise ManifestError(
            f"manifest {path} is not valid YAML: {str(exc).splitlines()[0]}"
        ) from None
    if isinstance(data, list):
        data = {"shots": data}
    if not isinstance(data, dict) or not isinstance(data.get("shots"), list):
        raise ManifestError(f"manifest {path} needs a 'shots' list (and optional 'defaults')")
    unknown = set(data) - {"shots", "defaults"}
    if unknown:
        raise ManifestError(f"manifest {path}: unknown top-level key {sorted(unknown)[0]!r}")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise ManifestError(f"manifest {path}: 'defaults' must be a mapping")
    rows = []
    for i, shot in enumerate(data["shots"], 1):
        if not isinstance(shot, dict):
            raise ManifestError(f"row {i}: a shot must be a mapping of options")
        rows.append((i, shot))
    return defaults, rows


def _text(path: Path) -> str:
    """UTF-8, with or without a byte-order mark; anything else is refused with a hint."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ManifestError(
            f"manifest {path} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8"
        ) from None


def _csv_rows(path: Path) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    try:
        return _parse_csv(reader)
    except csv.Error as exc:  # a NUL byte, an unclosed quote at the end, a huge field
        raise ManifestError(f"row {reader.line_num}: not valid CSV: {exc}") from None


def _parse_csv(reader: csv.DictReader) -> list[tuple[int, dict]]:
    header = [key.strip() for key in reader.fieldnames or []]
    for key in header:
        if key and header.count(key) > 1:
            raise ManifestError(f"row 1: the column {key!r} appears twice")
    rows = []
    for fields in reader:
        line = reader.line_num
        parsed = {}
        for key, text in fields.items():
            if key is None:
                raise ManifestError(f"row {line}: more cells than header columns")
            key = key.strip()
            if text is None or not text.strip():
                continue
            parsed[key] = _cell(key, text.strip(), line)
        rows.append((line, parsed))
    return rows


def _cell(key: str, text: str, line: int) -> Any:
    """CSV text -> the option's type (lists split on ';')."""
    want = OPTIONS.get(key)
    if want is None:
        raise ManifestError(f"row {line}: unknown option {key!r}")
    try:
        if key in ("keyframe",):
            parts = [int(p) for p in text.split(";")]
            return parts[0] if len(parts) == 1 else parts
        if key == "painting":
            parts = [p.strip() for p in text.split(";")]
            return parts[0] if len(parts) == 1 else parts
        if bool in want:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return text.lower() in ("true", "1", "yes")
        if int in want and float not in want and str not in want:
            return int(text)
        if float in want:
            return float(text)
        if key == "adapt" and text.isdigit():
            return int(text)
        return text
    except ValueError:
        raise ManifestError(f"row {line}: {key} {text!r} is not a valid value") from None


def _check_fields(fields: dict, where: str) -> None:
    for key, value in fields.items():
        want = OPTIONS.get(key)
        if want is None:
            raise ManifestError(f"{where}: unknown option {key!r}")
        if isinstance(value, bool) and bool not in want:
            raise ManifestError(f"{where}: {key} must be {_names(want)}, got {value!r}")
        if not isinstance(value, want):
            raise ManifestError(f"{where}: {key} must be {_names(want)}, got {value!r}")
        if isinstance(value, list):
            inner = int if key == "keyframe" else str
            if not value or not all(
                isinstance(v, inner) and not isinstance(v, bool) for v in value
            ):
                raise ManifestError(f"{where}: {key} must be a list of {inner.__name__}")


def _names(types: tuple[type, ...]) -> str:
    return " or ".join(t.__name__ for t in types)


def _resolve(value: str | list[str], base: Path) -> str | list[str]:
    if isinstance(value, list):
        return [str(_resolve(v, base)) for v in value]
    try:
        p = Path(value).expanduser()
    except RuntimeError:  # ~someone who does not exist
        raise ValueError(f"cannot expand the home folder in {value!r}") from None
    return str(p if p.is_absolute() else base / p)


def _input_files(shot: Shot) -> list[Path]:
    """Every file a shot reads (folders: their files, in order)."""
    files = []
    for p in shot.inputs:
        files += sorted(f for f in p.iterdir() if f.is_file()) if p.is_dir() else [p]
    return files


def check_shots(shots: list[Shot], settings: dict[str, Any]) -> dict[str, str]:
    """The render's own checks on every shot (nothing loaded or written): name -> error line."""
    from ..render import prepare

    errors = {}
    for shot in shots:
        painting, footage, out, opts = shot.render_args()
        try:
            prepare(painting, footage, out, **opts, **settings, overwrite=True)
        except ValueError as exc:  # MediaError and CheckpointError are ValueErrors
            errors[shot.name] = f"{shot.where}: {str(exc).splitlines()[0]}"
    return errors


__all__ = ["OPTIONS", "ManifestError", "Shot", "check_shots", "read_manifest"]
