"""Paint one image with a procedural painter: a stand-in paint-over or style reference for real footage.

    .venv/bin/python tools/paint_frame.py --video bikes.mp4 --frame 0 --painter impasto --out p.png
    .venv/bin/python tools/paint_frame.py --skimage chelsea --painter oil --out reference.png

``--video`` + ``--frame`` paints that frame of the clip (a paint-over for ``--keyframe``);
``--skimage NAME`` paints a scikit-image photo (an unrelated style reference for ``--style``).
Parameters are drawn from ``--seed``, as ``camfuse demo`` does, so the image is reproducible.
"""

from __future__ import annotations

import argparse
from itertools import islice
from pathlib import Path

import numpy as np
import skimage.data

from camfuse.data.painters import paint, sample_params
from camfuse.media import iter_frames, probe_footage, write_image


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--video", type=Path)
    src.add_argument(
        "--skimage", help="a scikit-image sample name, e.g. chelsea, coffee, astronaut"
    )
    ap.add_argument("--frame", type=int, default=0)
    ap.add_argument("--painter", default="oil")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    if args.video:
        n = probe_footage(args.video).frames
        image = next(islice(iter_frames(args.video, n), args.frame, None))
    else:
        image = getattr(skimage.data, args.skimage)()
    params = sample_params(args.painter, np.random.default_rng(args.seed))
    params["scale"] = max(image.shape[:2]) / 256  # painter sizes are given for 256 px
    painted = paint(args.painter, image.astype(np.float32) / 255, params)
    write_image(args.out, (np.clip(painted, 0, 1) * 255 + 0.5).astype(np.uint8))
    print(f"{args.out}: {args.painter} (seed {args.seed}) of {args.video or args.skimage}")


if __name__ == "__main__":
    main()
