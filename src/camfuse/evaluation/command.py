"""``camfuse evaluate``: methods × metrics on a ground-truth split or on real footage, one folder out.

The report folder is written under a temporary name and renamed when complete, so an interrupted
evaluation never leaves a report that looks finished.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import torch

from ..data.real import is_real_split, read_real_manifest
from ..media import MediaError, check_output, staged_output
from .clips import Clip, footage_clip, split_clips
from .report import contact_sheet, write_report
from .runner import GROUND_TRUTH, evaluate

log = logging.getLogger(__name__)

SHEET_FRAMES = 4  # frames per row of the qualitative sheet


def run_evaluate(
    data: str | Path,
    out: str | Path,
    *,
    checkpoint: str | Path | None = None,
    baseline_checkpoint: str | Path | None = None,
    methods: str | list[str] = "all",
    painting: str | Path | None = None,
    keyframe: int | None = None,
    keys: str | None = None,
    inception_weights: str | Path | None = None,
    max_clips: int | None = None,
    max_frames: int = 48,
    size: int = 256,
    adapt: str | None = None,
    device: str = "auto",
    overwrite: bool = False,
    command: str = "",
    on_progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Evaluate and write ``out/{report.json, report.md, metrics.png, samples_*.png}``.

    ``keys`` (a split only): compare renders with several keyframes against each of the first and
    last alone instead (:mod:`camfuse.evaluation.keyframes`); writes report.json and report.md.
    A real-footage split (``camfuse data real``) is evaluated at full size by
    :mod:`camfuse.evaluation.real`; ``adapt`` (auto | off | STEPS, default auto) applies to its
    camfuse rows only; on a synthetic split, ``adapt`` (auto | STEPS) is the -adapted rows'
    budget."""
    from ..baselines import build_methods
    from ..checkpoint import load_model
    from ..metrics import load_extractor
    from ..render.runtime import resolve_device

    out = Path(out)
    inputs = [data, painting, checkpoint, baseline_checkpoint, inception_weights]
    check_output(out, inputs, overwrite or _empty_folder(out), owned=_report_file)
    dev = resolve_device(device)
    if is_real_split(data):
        if painting is not None or keyframe is not None or keys is not None:
            raise ValueError("--painting/--keyframe/--keys do not apply to a real split")
        return _evaluate_real(
            data, out, methods, checkpoint, device, adapt, max_clips, command, on_progress
        )
    steps = None
    if adapt is not None:  # the budget of the -adapted rows (default: --adapt auto's)
        from ..render.plan import adapt_steps

        steps = adapt_steps(adapt)
        if steps is None:
            raise ValueError("--adapt off: leave the -adapted rows out instead")
    clips = _clips(data, painting, keyframe, max_clips, max_frames, size)
    has_truth = all(c.target is not None for c in clips)
    model = load_model(checkpoint, dev)  # (model, config): the config carries the window T
    baseline = load_model(baseline_checkpoint, dev) if baseline_checkpoint else None
    budget = {} if steps is None else {"adapt_steps": steps}
    chosen = build_methods(methods, model=model, baseline_model=baseline, device=dev, **budget)
    if keys is not None:
        if not has_truth:
            raise ValueError("--keys needs a data split (ground truth at every frame)")
        return _compare_keys(out, clips, chosen, keys, data, checkpoint, command, on_progress)
    extractor = load_extractor(inception_weights) if has_truth else None
    with staged_output(out, "frames", overwrite=True) as tmp:
        tmp.mkdir()
        sheets = _SheetCollector(clips)
        start = time.perf_counter()
        results = evaluate(
            clips, chosen, extractor=extractor, outputs=sheets, on_progress=on_progress
        )
        meta = {
            "command": command,
            "data": str(data),
            "clips": len(clips),
            "checkpoint": str(checkpoint) if checkpoint else "bundled default",
            "wall_time": f"{time.perf_counter() - start:.0f} s",
        }
        ext = {"name": extractor.name, "standard": extractor.standard} if extractor else None
        write_report(tmp, results, title="camfuse evaluation", meta=meta, extractor=ext)
        sheets.write(tmp)
    return out


def _evaluate_real(data, out, names, checkpoint, device, adapt, max_clips, command, on_progress):
    from ..checkpoint import load_model
    from ..render.plan import adapt_steps
    from ..render.runtime import resolve_device
    from .real import COLUMNS, build_rows, evaluate_real, groups, needs_model

    adapt = "auto" if adapt is None else str(adapt)
    adapt_steps(adapt)  # ValueError for a bad --adapt before anything runs
    manifest = read_real_manifest(data)
    model = load_model(checkpoint, resolve_device(device)) if needs_model(names) else None
    rows, notes = build_rows(names, model=model, checkpoint=checkpoint, device=device, adapt=adapt)
    samples = manifest["samples"][:max_clips]
    held = manifest["held_out"]
    headings = [(g, _heading(g, held)) for g in groups(samples)]
    start = time.perf_counter()
    results = evaluate_real(data, rows, max_clips=max_clips, on_progress=on_progress)
    meta = {
        "command": command,
        "data": f"{data} (real footage at full size, {manifest['frames']} frames per clip)",
        "clips": len(samples),
        "checkpoint": str(checkpoint) if checkpoint else "bundled default",
        "wall_time": f"{time.perf_counter() - start:.0f} s",
        "held_out": held,
    }
    notes = [
        *notes,
        "PSNR, SSIM and detail ratio over the frames other than the keyframe; warping error over "
        "all pairs, DIS flow of the footage at full size.",
    ]
    with staged_output(out, "frames", overwrite=True) as tmp:
        tmp.mkdir()
        write_report(
            tmp,
            results,
            title="camfuse evaluation: real footage",
            meta=meta,
            extractor=None,
            groups=headings,
            columns=COLUMNS,
            notes=notes,
        )
    return out


def _heading(group: str, held: dict) -> str:
    kind, _, name = group.partition(":")
    if kind == "clip" and name in held.get("clips", []):
        return f"clip {name} (held out of tuning)"
    if kind == "painter" and name in held.get("painters", []):
        return f"painter {name} (held out of training)"
    return f"{kind} {name}" if name else group


def _compare_keys(out, clips, methods, spec, data, checkpoint, command, on_progress) -> Path:
    from .keyframes import compare_keyframes, keyframes_table

    start = time.perf_counter()
    results = compare_keyframes(clips, methods, spec, on_progress=on_progress)
    meta = {
        "command": command,
        "data": str(data),
        "checkpoint": str(checkpoint) if checkpoint else "bundled default",
        "wall_time": f"{time.perf_counter() - start:.0f} s",
    }
    with staged_output(out, "frames", overwrite=True) as tmp:
        tmp.mkdir()
        head = "\n".join(f"- {k}: {v}" for k, v in meta.items() if v)
        text = (
            f"# camfuse evaluation: several keyframes\n\n{head}\n\n{keyframes_table(results, spec)}"
        )
        (tmp / "report.md").write_text(text)
        payload = {"meta": meta, "keys": spec, "results": [r.to_dict() for r in results]}
        (tmp / "report.json").write_text(json.dumps(payload, indent=1))
    return out


REPORT_FILES = ("report.json", "report.md", "metrics.png")


def _report_file(f: Path) -> bool:
    """A file ``camfuse evaluate`` writes into its report folder (``--overwrite`` may replace it)."""
    return f.is_file() and (f.name in REPORT_FILES or f.name.startswith("samples_"))


def _empty_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def _clips(data, painting, keyframe, max_clips, max_frames, size) -> list[Clip]:
    path = Path(data)
    if not path.exists():
        raise MediaError(f"--data not found: {path}")
    if (path / "manifest.json").is_file():
        if painting is not None or keyframe is not None:
            raise ValueError("--painting/--keyframe apply to real footage, not to a data split")
        return split_clips(path, max_clips=max_clips)
    if painting is None:
        raise ValueError(
            f"{path} is not a camfuse data split (no manifest.json); for real footage pass "
            "--painting (and --keyframe K for a paint-over of frame K)"
        )
    if not Path(painting).is_file():
        raise MediaError(f"--painting not found: {painting}")
    return [footage_clip(path, painting, keyframe=keyframe, max_frames=max_frames, size=size)]


class _SheetCollector:
    """Keeps the first clip of each role: painting, footage, truth and every method's frames."""

    def __init__(self, clips: list[Clip]) -> None:
        self.first = {}
        for c in clips:
            self.first.setdefault(c.role, c.name)
        self.rows: dict[str, list[tuple[str, list[torch.Tensor]]]] = {r: [] for r in self.first}

    def __call__(self, method: str, clip: Clip, frames: torch.Tensor) -> None:
        if self.first.get(clip.role) != clip.name or method == GROUND_TRUTH:
            return
        rows = self.rows[clip.role]
        if not rows:
            rows.append(("painting", [clip.painting]))
            rows.append(("footage", _pick(clip.footage)))
            if clip.target is not None:
                rows.append(("ground truth", _pick(clip.target)))
        rows.append((method, _pick(frames)))

    def write(self, out: Path) -> None:
        for role, rows in self.rows.items():
            if rows:
                contact_sheet(out / f"samples_{role}.png", rows)
                names = ", ".join(name for name, _ in rows)
                (out / f"samples_{role}.txt").write_text(f"rows, top to bottom: {names}\n")


def _pick(frames: torch.Tensor) -> list[torch.Tensor]:
    idx = torch.linspace(0, frames.shape[0] - 1, min(SHEET_FRAMES, frames.shape[0])).round().long()
    return [frames[i] for i in idx.tolist()]
