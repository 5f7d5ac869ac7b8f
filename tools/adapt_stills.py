"""Before/after stills of per-shot adaptation on real footage, for the README.

    .venv/bin/python tools/adapt_stills.py --footage $C/bikes.mp4 --painting bikes_f0.png \
        --keyframe 0 --frames 30 --out docs/img/adapt_bikes.jpg

    .venv/bin/python tools/adapt_stills.py --footage $C/bikes.mp4 --painting chelsea_oil.png \
        --style --frames 76 --size 512 --out docs/img/adapt_bikes_style.jpg

Renders the clip twice with the bundled model (``--adapt off`` and ``--adapt auto``) and writes a
sheet: rows footage, without adaptation, with adaptation; columns a few frames (the keyframe
among them in the keyframe role). ``--style``: the painting is a style reference.
Prints each render's wall time; the third render (adaptation again) reads the cached painter.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from itertools import islice
from pathlib import Path

import numpy as np
from PIL import Image

from camfuse.media import iter_frames
from camfuse.render import render


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--footage", type=Path, required=True)
    ap.add_argument("--painting", type=Path, required=True)
    role = ap.add_mutually_exclusive_group(required=True)
    role.add_argument("--keyframe", type=int)
    role.add_argument("--style", action="store_true")
    ap.add_argument("--size", type=int, default=None, help="model size (long side)")
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--columns", type=int, default=5)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    picks = np.linspace(0, args.frames - 1, args.columns).round().astype(int).tolist()
    if args.keyframe is not None:
        picks = sorted({args.keyframe, *picks})[: args.columns]
    rows = [[f for i, f in enumerate(islice(iter_frames(args.footage), args.frames)) if i in picks]]
    with tempfile.TemporaryDirectory() as tmp:
        for adapt in ("off", "auto", "auto"):  # the second "auto" reads the cached painter
            out = Path(tmp) / adapt
            start = time.perf_counter()
            render(args.painting, args.footage, out, keyframe=args.keyframe, style=args.style,
                   adapt=adapt, size=args.size, max_frames=args.frames, overwrite=True)  # fmt: skip
            print(f"--adapt {adapt}: {time.perf_counter() - start:.0f} s for {args.frames} frames")
            frames = sorted(out.glob("frame_*.png"))
            if len(rows) < 3:
                rows.append([np.asarray(Image.open(frames[i]).convert("RGB")) for i in picks])
    save_sheet(tile_rows(rows), args.out)
    print(f"frames {picks}; rows: footage, --adapt off, --adapt auto -> {args.out}")


MAX_WIDTH = 1800  # px: sheets of HD footage are scaled down to keep the docs light


def tile_rows(rows: list[list[np.ndarray]], gap: int = 4) -> np.ndarray:
    """Rows of equal-sized RGB tiles on a white sheet, ``gap`` px apart."""
    h, w = rows[0][0].shape[:2]
    cols = max(len(r) for r in rows)
    sheet = np.full((len(rows) * (h + gap) + gap, cols * (w + gap) + gap, 3), 255, np.uint8)
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            y, x = gap + r * (h + gap), gap + c * (w + gap)
            sheet[y : y + h, x : x + w] = tile[:h, :w]
    return sheet


def save_sheet(sheet: np.ndarray, out: Path) -> None:
    image = Image.fromarray(sheet)
    if image.width > MAX_WIDTH:
        image = image.resize(
            (MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.LANCZOS
        )
    image.save(out, quality=88)


if __name__ == "__main__":
    main()
