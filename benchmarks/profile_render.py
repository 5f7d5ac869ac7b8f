"""Where a default render's time goes, per stage, from a sampling profile of the whole process.

    .venv/bin/pip install -e '.[bench]'      # py-spy
    .venv/bin/python benchmarks/profile_render.py [--size 256|1280x720] [--shots 4] [--frames 24]

Renders bench_default's clip (`--shots` pans over scikit-image photos at 256x256, keyframe 0
painted by `oil`) or, with `--size WxH`, one shot of `--frames` frames panned over a photo at that
size, with `camfuse render`'s default options, under `py-spy record` (all threads, 100 samples/s,
native frames off). Every sample is charged to the innermost stage on its Python stack:

| stage | functions |
|---|---|
| imports | module imports (torch, torchvision, timm, ...) |
| model load | `camfuse.checkpoint.load_model` |
| adaptation | `fit_features` (the feature map) and the shot painter's training |
| decode | reading footage frames |
| flow | DIS optical flow and its consistency check (`estimate_flow`, `consistency_mask`) |
| fill | the adapted fill painting a frame (`AdaptedFill.__call__`) |
| track (rest) | the rest of `track_keys`: staleness, warping, merging keyframes |
| network | `CamFuse.forward` and the painting encoder |
| full-size compose | `FullSizePaint.layer`, `Composer.compose` |
| encode | writing the output frames |
| waiting | threads blocked on a queue (idle) |

CPU seconds per stage are samples / rate; they add up to more than the wall time where threads
run at once (the producer thread tracks and fills while the main thread runs the network, and a
writer thread encodes). Run it alone on the machine.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import skimage.data
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).parent))
from bench_default import make_clip  # noqa: E402

from camfuse.data.painters import paint, sample_params  # noqa: E402
from camfuse.media import write_image  # noqa: E402

RATE = 100
STAGES = [  # (stage, pattern on "function (file)"), first match from the innermost frame outwards
    ("waiting", r"^(Condition\.wait|Queue\.get|Queue\.put|Event\.wait|Thread\.join) "),
    ("encode", r"^(write_image|FrameFolderWriter\.write|BackgroundWriter\._run|VideoWriter\.\w+) "),
    ("decode", r"^(iter_frames|read_image|_decode\w*) "),
    ("flow", r"^(estimate_flow|consistency_mask) "),
    ("fill", r"^AdaptedFill\.__call__ "),
    ("adaptation", r"^(fit_features|_adapt|train) \(adapt\.py"),
    ("model load", r"^load_model "),
    ("full-size compose", r"^(FullSizePaint\.layer|Composer\.compose) "),
    ("network", r"^(CamFuse\.forward|_painting_encoder\.<locals>\.encode) "),
    ("track (rest)", r"^track_keys "),
    ("imports", r"^_find_and_load "),
]


def stage_of(frames: list[str]) -> str:
    for f in reversed(frames):  # innermost first
        for name, pattern in STAGES:
            if re.match(pattern, f):
                return name
    return "other"


def profile(cmd: list[str], env: dict, raw: Path) -> tuple[float, collections.Counter]:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    start = time.perf_counter()
    subprocess.run([spy, "record", "-r", str(RATE), "-f", "raw", "-o", str(raw), "--", *cmd],
                   env=env, check=True, capture_output=True)  # fmt: skip
    wall = time.perf_counter() - start
    stages: collections.Counter = collections.Counter()
    for line in raw.read_text().splitlines():
        stack, n = line.rsplit(" ", 1)
        frames = [f.split(" (")[0] + " (" + f.split("(")[-1].split(":")[0].rsplit("/", 1)[-1]
                  for f in stack.split(";")]  # fmt: skip
        stages[stage_of(frames)] += int(n)
    return wall, stages


def make_big_clip(folder: Path, size: tuple[int, int], frames: int) -> Path:
    (folder / "footage").mkdir(parents=True)
    w, h = size
    x = torch.from_numpy(skimage.data.astronaut()).permute(2, 0, 1).float() / 255
    big = F.interpolate(x[None], size=(h + 8, w + frames * 4 + 8), mode="bilinear")[0]
    for t in range(frames):
        crop = big[:, 4 : 4 + h, t * 4 : t * 4 + w]
        write_image(folder / "footage" / f"{t:05d}.png",
                    (crop.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy())  # fmt: skip
    first = np.ascontiguousarray(big[:, 4 : 4 + h, 0:w].permute(1, 2, 0).numpy())
    painted = paint("oil", first, sample_params("oil", np.random.default_rng(7)))
    key = folder / "paint.png"
    write_image(key, (np.clip(painted, 0, 1) * 255).round().astype(np.uint8))
    return key


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="256", help="256 (bench_default's clip) or WxH")
    ap.add_argument("--shots", type=int, default=4)
    ap.add_argument("--frames", type=int, default=24)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        if args.size == "256":
            key, n = make_clip(d, args.shots, args.frames), args.shots * args.frames
            what = f"{args.shots} shots x {args.frames} frames at 256x256"
        else:
            w, h = (int(v) for v in args.size.split("x"))
            key, n = make_big_clip(d, (w, h), args.frames), args.frames
            what = f"1 shot of {args.frames} frames at {w}x{h}"
        env = {**os.environ, "CAMFUSE_CACHE": str(d / "cache")}
        cmd = [sys.executable, "-m", "camfuse", "render", "--painting", str(key), "--footage",
               str(d / "footage"), "--keyframe", "0", "--out", f"{d / 'out'}/"]  # fmt: skip
        wall, stages = profile(cmd, env, d / "raw.txt")
    total = sum(stages.values())
    print(f"clip: {what}, default options; whole process {wall:.1f} s (under py-spy), "
          f"{total / RATE:.1f} CPU s sampled\n")  # fmt: skip
    print("| stage | CPU s | share | ms / frame |")
    print("|---|---|---|---|")
    for name, count in stages.most_common():
        s = count / RATE
        print(f"| {name} | {s:.1f} | {count / total:.0%} | {1000 * s / n:.0f} |")


if __name__ == "__main__":
    main()
