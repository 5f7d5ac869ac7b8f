"""The style key's content weight, seen: one bikes frame painted from a reference at several weights.

    .venv/bin/python tools/style_key_stills.py --reference chelsea_oil.png --frame 40 \
        --weights 0.02,0.05,0.1 --out docs/img/style_keys.jpg

Rows: the footage frame (model at 512x224), then the painted key for each content weight
(:class:`camfuse.render.style_key.KeySettings`, other settings default). Prints each key's time.
"""

from __future__ import annotations

import argparse
import time
from itertools import islice
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from camfuse.media import bundled_clip, iter_frames, read_image
from camfuse.models.inputs import fit_image, model_size
from camfuse.render.style_key import KeySettings, paint_from_reference


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--reference", type=Path, required=True)
    ap.add_argument("--footage", type=Path, default=None, help="default: the bundled bikes clip")
    ap.add_argument("--frame", type=int, default=40)
    ap.add_argument("--weights", default="0.02,0.05,0.1")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    frame = next(islice(iter_frames(args.footage or bundled_clip("bikes")), args.frame, None))
    size = model_size(frame.shape[1], frame.shape[0], args.size)
    tensor = lambda a: torch.from_numpy(a).permute(2, 0, 1).float() / 255  # noqa: E731
    key = fit_image(tensor(frame), size)
    reference = fit_image(tensor(read_image(args.reference)), size, crop=True)
    rows = [key]
    for w in (float(v) for v in args.weights.split(",")):
        start = time.perf_counter()
        rows.append(paint_from_reference(key, reference, KeySettings(content=w)))
        print(f"content {w}: {time.perf_counter() - start:.1f} s")
    sheet = (torch.cat(rows, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    Image.fromarray(sheet).save(args.out, quality=88)
    print(f"rows: footage, then content weights {args.weights} -> {args.out}")


if __name__ == "__main__":
    main()
