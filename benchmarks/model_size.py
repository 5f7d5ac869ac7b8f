"""Parameters and FLOPs per frame of each preset (counted by torch.utils.flop_counter).

    .venv/bin/python benchmarks/model_size.py            # prints a Markdown table

FLOPs are counted for one window of ``data.frames`` frames at the preset's ``data.size`` with the
painting encoded once, divided by the frame count (multiply-add = 2 FLOPs). The ``default``
preset's optical flow (the painting-sampling guide) runs in OpenCV and is not counted.
"""

from __future__ import annotations

import argparse

import torch
from torch.utils.flop_counter import FlopCounterMode

from camfuse.config import load_config
from camfuse.models import CamFuse
from camfuse.models.interface import GUIDE_CHANNELS


def measure(preset: str) -> tuple[float, float, int, int]:
    cfg = load_config(preset)
    model = CamFuse(cfg.model).eval()
    s, t = cfg.data.size, cfg.data.frames
    painting, footage = torch.rand(1, 3, s, s), torch.rand(1, t, 3, s, s)
    # the painting-sampling path's guide images come from OpenCV flow, outside the network (and
    # outside this count); any values do for counting the network's FLOPs
    guide = torch.rand(1, t, GUIDE_CHANNELS, s, s) if cfg.model.sampling else None
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(painting, footage, role=torch.tensor([0]), keyframe=torch.tensor([0]), guide=guide)
    params = sum(p.numel() for p in model.parameters())
    return params / 1e6, counter.get_total_flops() / t / 1e9, s, t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presets", default="tiny,cpu,default,paper")
    args = parser.parse_args()
    print("| preset | backbone | params (M) | size | frames | GFLOPs / frame |")
    print("|---|---|---|---|---|---|")
    for name in args.presets.split(","):
        params, gflops, s, t = measure(name)
        print(
            f"| {name} | {load_config(name).model.backbone} | {params:.2f} | {s} | {t} | {gflops:.2f} |"
        )


if __name__ == "__main__":
    main()
