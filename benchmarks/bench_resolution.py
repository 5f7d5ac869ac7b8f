"""Seconds per frame and peak memory of `camfuse render` at the footage's own size, by frame size.

    .venv/bin/python benchmarks/bench_resolution.py [--sizes 640x480,1280x720,1920x1080,3840x2160]
        [--frames 24] [--adapt 0] [--resolution full,model]

Each size gets a synthetic pan (a smooth photo-like world with fine painted marks, the camera
moving 0.5 % of the width a frame), written as PNG frames, and its frame 0 painted as the
keyframe. Every (size, resolution) pair is one whole `camfuse render` process (`/usr/bin/time`:
wall seconds and peak RSS); s/frame is the render's own summary (model loaded, adaptation done),
so it is the steady state. `--adapt 0` (the feature map, seconds) keeps the adaptation's fixed
per-shot cost out of a per-frame figure: it does not depend on the frame size (it runs at the
model size). Prints a markdown table; run it alone on the machine.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from camfuse.media import write_image


def make_pan(folder: Path, w: int, h: int, frames: int) -> None:
    g = torch.Generator().manual_seed(0)
    step = max(1, w // 200)
    big = (h + 8, w + frames * step + 8)
    world = F.interpolate(torch.rand(1, 3, 9, 16, generator=g), size=big, mode="bicubic")[0]
    marks = F.interpolate(torch.rand(1, 1, big[0] // 3, big[1] // 12, generator=g), size=big,
                          mode="bicubic")[0]  # fmt: skip
    painted = (0.6 * world + 0.8 * (marks - 0.5)).clamp(0, 1)
    (folder / "footage").mkdir(parents=True)
    for t in range(frames):
        crop = world[:, :h, t * step : t * step + w].clamp(0, 1)
        write_image(folder / "footage" / f"{t:04d}.png", _u8(crop))
    write_image(folder / "paint.png", _u8(painted[:, :h, :w]))


def _u8(x: torch.Tensor) -> np.ndarray:
    return (x * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def run(folder: Path, resolution: str, adapt: str) -> tuple[float, float, float]:
    out = folder / f"out-{resolution}"
    cmd = ["/usr/bin/time", "-f", "TIME %e %M", sys.executable, "-m", "camfuse", "render",
           "--painting", str(folder / "paint.png"), "--footage", str(folder / "footage"),
           "--keyframe", "0", "--out", f"{out}/", "--adapt", adapt, "--resolution", resolution,
           "--overwrite"]  # fmt: skip
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall, rss = re.search(r"TIME ([\d.]+) (\d+)", p.stderr).groups()
    seconds, n = re.search(r"rendered (\d+) frames .* in ([\d.]+) s", p.stdout + p.stderr).group(
        2, 1
    )
    return float(seconds) / int(n), float(wall), int(rss) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="640x480,1280x720,1920x1080,3840x2160")
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--adapt", default="0")
    ap.add_argument("--resolution", default="full,model")
    args = ap.parse_args()
    print("| footage | --resolution | s/frame | whole process s | peak RSS MB |")
    print("|---|---|---|---|---|")
    for size in args.sizes.split(","):
        w, h = map(int, size.split("x"))
        with tempfile.TemporaryDirectory() as tmp:
            make_pan(Path(tmp), w, h, args.frames)
            for resolution in args.resolution.split(","):
                per_frame, wall, rss = run(Path(tmp), resolution, args.adapt)
                print(f"| {w}x{h} | {resolution} | {per_frame:.2f} | {wall:.1f} | {rss:.0f} |",
                      flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
