"""Stills of several keyframes (and a mask) on real footage, for the README.

    .venv/bin/python tools/keys_stills.py --footage $C/bikes.mp4 --keys runs/keys/bikes \
        --start 30 --end 76 --size 512 --out docs/img/keys_bikes.jpg

``--keys DIR`` holds the paint-overs named by frame number (``camfuse frames`` exports the frames
to paint). Renders the range with the first keyframe alone, the last alone, all of them, and all of
them with ``--mask`` if given (``--mask-rows A:B``: a static mask of rows A..B as a fraction of the
height, written for the run), with the bundled model and ``--adapt auto``. The sheet: one row per
render under the footage, columns spread over the range. Prints each render's wall time.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np
from adapt_stills import save_sheet, tile_rows  # tools/ is on sys.path when run as a script
from PIL import Image

from camfuse.media import iter_frames, probe_footage, write_image
from camfuse.render import render


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--footage", type=Path, required=True)
    ap.add_argument("--keys", type=Path, required=True)
    ap.add_argument("--start", type=int, required=True)
    ap.add_argument("--end", type=int, required=True)
    ap.add_argument("--size", type=int, default=None)
    ap.add_argument("--columns", type=int, default=5)
    ap.add_argument("--mask-rows", default=None, metavar="A:B")
    ap.add_argument("--adapt", default="auto")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    keys = sorted(args.keys.iterdir())
    inner = np.linspace(args.start, args.end - 1, args.columns + 2).round().astype(int)[1:-1]
    picks = inner.tolist()
    frames = islice(iter_frames(args.footage, args.end), args.start, None)
    rows = [("footage", [f for i, f in enumerate(frames, args.start) if i in picks])]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        runs = [(f"key {int(k.stem)} alone", [k]) for k in (keys[0], keys[-1])]
        runs.append((f"keys {' + '.join(str(int(k.stem)) for k in keys)}", keys))
        mask = _mask(args, tmp) if args.mask_rows else None
        if mask:
            runs.append(("the same, masked", keys))
        for label, use in runs:
            folder = tmp / f"keys{len(rows)}"
            folder.mkdir()
            for k in use:
                shutil.copy(k, folder / k.name)
            out = tmp / f"out{len(rows)}"
            start = time.perf_counter()
            render(None, args.footage, out, keys=folder, start=args.start, end=args.end,
                   size=args.size, adapt=args.adapt,
                   mask=mask if label.startswith("the same") else None)  # fmt: skip
            print(
                f"{label}: {time.perf_counter() - start:.0f} s for {args.end - args.start} frames"
            )
            images = [
                np.asarray(Image.open(out / f"frame_{i:06d}.png").convert("RGB")) for i in picks
            ]
            rows.append((label, images))
    save_sheet(tile_rows([images for _, images in rows]), args.out)
    print(f"rows: {', '.join(r for r, _ in rows)}; frames {picks} -> {args.out}")


def _mask(args, tmp: Path) -> Path:
    """A static mask (white rows A..B of the frame), one PNG per footage frame."""
    info = probe_footage(args.footage)
    a, b = (float(x) for x in args.mask_rows.split(":"))
    m = np.zeros((info.height, info.width, 3), np.uint8)
    m[round(a * info.height) : round(b * info.height)] = 255
    folder = tmp / "mask"
    folder.mkdir()
    for i in range(info.frames):
        write_image(folder / f"{i:05d}.png", m)
    return folder


if __name__ == "__main__":
    main()
