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
separated by ``;``. The output is ``OUT/<name>.mp4`` unless a shot gives ``out`` (a file or, with
a trailing ``/``, a PNG folder, relative to OUT).

:func:`read_manifest` refuses a malformed manifest as a whole (one line naming the row).
:func:`check_shots` then runs the render's own checks (:func:`camfuse.render.prepare`: every
path, frame range, size; nothing loaded or written) on every shot before any work starts.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..media import MediaError

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
}
PATHS = ("footage", "painting", "keys", "mask")
REQUIRED = ("name", "footage")


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


def read_manifest(path: str | Path, out_dir: str | Path) -> list[Shot]:
    """Parse and type-check a YAML or CSV manifest; paths resolved against its folder."""
    path = Path(path)
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
    shots, names, outs = [], set(), set()
    for row, fields in rows:
        where = f"row {row}"
        _check_fields(fields, where)
        merged = {**defaults, **fields}
        for key in REQUIRED:
            if key not in merged:
                raise ManifestError(f"{where}: missing {key!r}")
        name = merged.pop("name")
        where = f"row {row} ({name})"
        if name in names:
            raise ManifestError(f"{where}: the name {name!r} is used twice")
        names.add(name)
        for key in PATHS:
            if key in merged:
                merged[key] = _resolve(merged[key], path.parent)
        out = Path(out_dir) / merged.pop("out", f"{name}.mp4")
        if str(out) in outs:
            raise ManifestError(f"{where}: output {out} is written by another shot too")
        outs.add(str(out))
        footage = Path(merged.pop("footage"))
        shots.append(Shot(row, name, footage, out, merged))
    return shots


def _yaml_rows(path: Path) -> tuple[dict, list[tuple[int, dict]]]:
    try:
        data = yaml.safe_load(path.read_text())
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
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


def _csv_rows(path: Path) -> list[tuple[int, dict]]:
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
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
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else base / p)


def _input_files(shot: Shot) -> list[Path]:
    """Every file a shot reads (folders: their files, in order)."""
    paint = shot.options.get("painting")
    paths = [shot.footage, *map(Path, [paint] if isinstance(paint, str) else paint or [])]
    paths += [Path(shot.options[k]) for k in ("keys", "mask") if k in shot.options]
    files = []
    for p in paths:
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
