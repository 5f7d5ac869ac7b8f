"""Bundle a trained run as the package's default model (fp16 safetensors + config JSON).

    .venv/bin/python tools/bundle_default.py runs/default

Reads ``RUN/model.safetensors`` and ``RUN/metrics.json`` and writes
``src/camfuse/assets/default.{safetensors,json}`` with a note that says how it was trained, which
``camfuse render`` / ``camfuse demo`` print.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

from camfuse.checkpoint import DEFAULT_MODEL, load_model, save_checkpoint


def _metrics(run: Path) -> dict:
    """metrics.json of a finished run, else the last validation row of a run still going."""
    if (run / "metrics.json").exists():
        return json.loads((run / "metrics.json").read_text())
    rows = [
        r for f in sorted(run.glob("csv/version_*/metrics.csv")) for r in csv.DictReader(f.open())
    ]
    last = [r for r in rows if r.get("val/psnr")][-1]
    ident = next(r["val/psnr_identity"] for r in rows if r.get("val/psnr_identity"))
    start = (run / "config.json").stat().st_mtime
    wall = (run / "model.safetensors").stat().st_mtime - start
    return {
        "steps": int(last["step"]),
        "wall_seconds": wall,
        "val/psnr": float(last["val/psnr"]),
        "val/ssim": float(last["val/ssim"]),
        "val/psnr_identity": float(ident),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("run", type=Path, help="a `camfuse train` run folder")
    parser.add_argument(
        "--note", default="", help="text shown to users (default: built from metrics.json)"
    )
    args = parser.parse_args()
    model, cfg = load_model(args.run / "model.safetensors")
    metrics = _metrics(args.run)
    note = args.note or (
        f"preset '{cfg.name}' trained {metrics['steps']} steps "
        f"({metrics['wall_seconds'] / 60:.0f} min on 2 CPU cores) with `camfuse train --preset "
        f"{cfg.name}`; val PSNR {metrics['val/psnr']:.2f} dB vs {metrics['val/psnr_identity']:.2f} dB "
        "for the footage itself; test results and limits: docs/model-card.md"
    )
    path = save_checkpoint(
        DEFAULT_MODEL, model, cfg, half=True, note=note, extra={"training": metrics}
    )
    print(f"{path} ({path.stat().st_size / 1e6:.1f} MB): {note}")


if __name__ == "__main__":
    main()
