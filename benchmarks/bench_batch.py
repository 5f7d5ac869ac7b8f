"""Shots per hour of ``camfuse batch`` with 1 and 2 local Ray workers.

    .venv/bin/python benchmarks/bench_batch.py --out runs/bench-batch [--workers 1,2] [--adapt off]

The shots are the bundled clips cut at their scene cuts (bikes: 5 shots, carphone: 2 halves),
each a keyframe-role render from its first frame painted by the ``oil`` painter (a stand-in
paint-over), with the bundled model at its training size. Each run renders every shot from
scratch (a fresh output folder and an empty adaptation cache) and its wall time includes starting Ray and loading the model
in every worker. Prints a markdown table; run it alone on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from itertools import islice
from pathlib import Path

import numpy as np
import yaml

from camfuse.batch import run_batch
from camfuse.data.painters import paint, sample_params
from camfuse.media import bundled_clip, iter_frames, probe_footage, write_image

SHOTS = {"bikes": None, "carphone": [range(0, 60), range(60, 120)]}  # None: the detected cuts


def make_manifest(folder: Path, adapt: str) -> tuple[Path, int]:
    folder.mkdir(parents=True, exist_ok=True)
    shots, frames = [], 0
    for clip, ranges in SHOTS.items():
        path = bundled_clip(clip)
        ranges = ranges or list(probe_footage(path, shots=True).shots)
        for r in ranges:
            frame = next(islice(iter_frames(path, r.start + 1), r.start, None))
            params = sample_params("oil", np.random.default_rng(7))
            params["scale"] = max(frame.shape[:2]) / 256
            painted = paint("oil", frame.astype(np.float32) / 255, params)
            png = folder / f"{clip}_{r.start:05d}.png"
            write_image(png, (np.clip(painted, 0, 1) * 255).round().astype(np.uint8))
            shots.append({"name": f"{clip}_{r.start:03d}", "footage": str(path), "keyframe": r.start,
                          "painting": png.name, "start": r.start, "end": r.stop})  # fmt: skip
            frames += len(r)
    manifest = folder / "shots.yaml"
    manifest.write_text(yaml.safe_dump({"defaults": {"adapt": adapt}, "shots": shots}))
    return manifest, frames


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--out", type=Path, default=Path("runs/bench-batch"))
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--adapt", default="off")
    args = ap.parse_args()
    manifest, frames = make_manifest(args.out / "inputs", args.adapt)
    n = len(yaml.safe_load(manifest.read_text())["shots"])
    rows = []
    for w in (int(x) for x in args.workers.split(",")):
        out = args.out / f"workers-{w}"
        shutil.rmtree(out, ignore_errors=True)
        cache = args.out / f"cache-{w}"  # adaptation starts cold in every run (Ray's workers
        shutil.rmtree(cache, ignore_errors=True)  # inherit this environment at ray.init)
        os.environ["CAMFUSE_CACHE"] = str(cache)
        start = time.perf_counter()
        summary = run_batch(manifest, out, workers=w)
        seconds = time.perf_counter() - start
        assert summary.ok, [r.error for r in summary.results if r.error]
        busy = sum(r.seconds for r in summary.results)
        rows.append((w, seconds, n / seconds * 3600, frames / seconds, busy))
        print(f"workers {w}: {seconds:.1f} s", flush=True)
    print(f"\n{n} shots, {frames} frames, --adapt {args.adapt}\n")
    print("| workers | wall time (s) | shots/hour | frames/s | sum of per-shot render times (s) |")
    print("|---|---|---|---|---|")
    for w, s, sph, fps, busy in rows:
        print(f"| {w} | {s:.1f} | {sph:.0f} | {fps:.2f} | {busy:.1f} |")


if __name__ == "__main__":
    main()
