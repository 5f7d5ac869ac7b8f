"""100 % crops of `--resolution model` (the old 256-px path) against `--resolution full`, for the README.

    .venv/bin/python tools/resolution_stills.py --footage $C/bigbuckbunny.mp4 --painting bbb_f0_oil.png \
        --keyframe 0 --frames 48 --at 12,47 --crop 480,220,420,300 --out docs/img/full_bbb.jpg

Renders the clip twice with the bundled model and the default options otherwise (`--adapt auto`,
cached per shot), then writes a sheet of crops at 100 % (never scaled: each crop is `W x H` pixels
of the output): one row per frame in `--at`, columns footage | `--resolution model` |
`--resolution full`. Prints each render's wall time. `--renders BEFORE,AFTER` crops two renders
made beforehand instead (for a before/after of another change), `--zoom` enlarges small clips.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np
from adapt_stills import tile_rows  # tools/ is run as a script folder
from PIL import Image

from camfuse.media import iter_frames
from camfuse.render import render


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--footage", type=Path, required=True)
    ap.add_argument("--painting", type=Path, required=True)
    ap.add_argument("--keyframe", type=int, required=True)
    ap.add_argument("--frames", type=int, default=48)
    ap.add_argument("--at", required=True, help="frame numbers, comma-separated")
    ap.add_argument("--crop", required=True, help="x,y,w,h in output pixels")
    ap.add_argument("--adapt", default="auto")
    ap.add_argument("--renders", help="two PNG-frame folders already rendered (before,after): "
                    "crop them instead of rendering")  # fmt: skip
    ap.add_argument("--zoom", type=int, default=1, help="nearest-neighbour zoom (small clips)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    at = [int(x) for x in args.at.split(",")]
    x, y, w, h = (int(v) for v in args.crop.split(","))
    crop = lambda im: np.asarray(im)[y : y + h, x : x + w]  # noqa: E731
    footage = [f for i, f in enumerate(islice(iter_frames(args.footage), args.frames)) if i in at]
    columns = [[crop(f) for f in footage]]
    if args.renders:
        for folder in args.renders.split(","):
            frames = sorted(Path(folder).glob("frame_*.png"))
            columns.append([crop(Image.open(frames[i]).convert("RGB")) for i in at])
    with tempfile.TemporaryDirectory() as tmp:
        for resolution in () if args.renders else ("model", "full"):
            out = Path(tmp) / resolution
            start = time.perf_counter()
            render(args.painting, args.footage, out, keyframe=args.keyframe, adapt=args.adapt,
                   resolution=resolution, max_frames=args.frames, overwrite=True)  # fmt: skip
            print(f"--resolution {resolution}: {time.perf_counter() - start:.0f} s")
            frames = sorted(out.glob("frame_*.png"))
            columns.append([crop(Image.open(frames[i]).convert("RGB")) for i in at])
    rows = [
        [t.repeat(args.zoom, 0).repeat(args.zoom, 1) for t in r] for r in zip(*columns, strict=True)
    ]
    Image.fromarray(tile_rows(rows)).save(args.out, quality=92)  # 100 %: never scaled
    print(
        f"rows: frames {at}; columns: footage, {args.renders or '--resolution model, full'} -> {args.out}"
    )


if __name__ == "__main__":
    main()
