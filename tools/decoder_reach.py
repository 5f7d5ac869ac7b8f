"""How much of the network's output its Transformer decoder decides (issue 24's diagnostic).

    .venv/bin/python tools/decoder_reach.py --data runs/test256 --clips 8

For each clip of a ground-truth split (first ``--frames`` frames, one window), runs the model
(bundled, or ``--checkpoint``) as it is, then with one part's output multiplied by zero, and
prints the mean and largest change of the output frames (in 1/255): ``temporal`` (every decoder
layer's attention across frames), ``decoder`` (the whole Transformer decoder, so the image head
sees only its per-frame skips) and ``head`` (the image head's residual and blend logit: what is
left is the painting-sampling path's prior, i.e. its guide). A part whose removal changes nothing
is a part the trained network does not use.
"""

from __future__ import annotations

import argparse
import statistics

import torch

from camfuse.checkpoint import load_model
from camfuse.evaluation.clips import split_clips
from camfuse.guide.track import clip_guide


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", required=True, help="a `camfuse data make` split")
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--checkpoint", default=None)
    args = ap.parse_args()
    model, _ = load_model(args.checkpoint)
    model.eval()
    parts = {
        "temporal": [layer.temporal for layer in model.decoder.layers],
        "decoder": [model.decoder],
        "head": [model.head],
    }
    changes: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for clip in split_clips(args.data, max_clips=args.clips):
        frames = clip.footage[: args.frames]
        key = clip.keyframe if clip.keyframe is not None and clip.keyframe < len(frames) else None
        role = "keyframe" if clip.keyframe is not None else "style"
        guide = clip_guide(clip.painting, frames, key)
        kwargs = {"role": torch.tensor([0 if role == "keyframe" else 1]), "guide": guide[None]}
        with torch.no_grad():
            base = model(clip.painting[None], frames[None], **kwargs).frames
            for name, modules in parts.items():
                hooks = [m.register_forward_hook(lambda m, i, o: o * 0) for m in modules]
                try:
                    out = model(clip.painting[None], frames[None], **kwargs).frames
                finally:
                    for h in hooks:
                        h.remove()
                d = (out - base).abs() * 255
                changes.setdefault((role, name), []).append((d.mean().item(), d.max().item()))
    print("| role | zeroed | clips | mean change (1/255) | largest change (1/255) |")
    print("|---|---|---|---|---|")
    for (role, name), vals in sorted(changes.items()):
        mean = statistics.fmean(v[0] for v in vals)
        print(f"| {role} | {name} | {len(vals)} | {mean:.2f} | {max(v[1] for v in vals):.1f} |")


if __name__ == "__main__":
    main()
