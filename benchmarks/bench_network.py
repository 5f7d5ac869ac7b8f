"""The bundled network alone: ms per window frame, per precision and memory layout.

    .venv/bin/python benchmarks/bench_network.py                 # 256x256, windows of 4
    .venv/bin/python benchmarks/bench_network.py --plain-cat     # before camfuse/models/layout.py

No video, no optical flow: one window of random frames and guide images through the bundled
model, its painting encoded once, the median over ``--runs`` calls after a warm-up. ``--plain-cat``
swaps :func:`camfuse.models.layout.conv_cat` for a plain ``torch.cat``, which shows what building
concatenations in the convolution's layout and dtype saves. bf16 rows are skipped where the CPU
emulates bf16 (``camfuse.render.runtime.bf16_native``) unless ``--precisions`` names bf16.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import camfuse.models.decoder
import camfuse.models.fusion
from camfuse.checkpoint import load_model
from camfuse.render.runtime import autocast, bf16_native, prepare_for_inference


def window_ms(model, size: tuple[int, int], window: int, precision: str, runs: int) -> float:
    w, h = size
    g = torch.Generator().manual_seed(0)
    footage = torch.rand(1, window, 3, h, w, generator=g)
    guide = torch.rand(1, window, 7, h, w, generator=g)
    painting = torch.rand(1, 3, h, w, generator=g)
    kw = {"role": torch.zeros(1, dtype=torch.long), "keyframe": torch.zeros(1, dtype=torch.long)}
    cpu = torch.device("cpu")
    with torch.inference_mode(), autocast(cpu, precision):
        features = model.encode_painting(painting)
        samples = []
        for i in range(runs + 2):  # two warm-up calls: oneDNN picks its kernels
            start = time.perf_counter()
            model(None, footage, painting_features=features, guide=guide, **kw)
            if i >= 2:
                samples.append(time.perf_counter() - start)
    return 1000 * statistics.median(samples) / window


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size", default="256x256", help="WxH, multiples of 16")
    ap.add_argument("--window", type=int, default=4)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--precisions", help="comma-separated fp32,bf16 (default: bf16 where native)")
    ap.add_argument("--plain-cat", action="store_true", help="torch.cat instead of conv_cat")
    args = ap.parse_args()
    if args.plain_cat:  # where the model's modules look conv_cat up
        for module in (camfuse.models.decoder, camfuse.models.fusion):
            module.conv_cat = lambda parts, like: torch.cat(parts, dim=1)
    native = bf16_native(torch.device("cpu"))
    precisions = (args.precisions or ("fp32,bf16" if native else "fp32")).split(",")
    size = tuple(int(v) for v in args.size.lower().split("x"))
    print(f"bundled model, {args.size}, windows of {args.window}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, bf16 native: {native}, "
          f"concatenation: {'torch.cat' if args.plain_cat else 'conv_cat'}")  # fmt: skip
    print("\n| precision | layout | ms / window frame |\n|---|---|---|")
    for precision in precisions:
        for channels_last in (False, True):
            model, _ = load_model(None, torch.device("cpu"))
            prepare_for_inference(model, channels_last=channels_last)
            ms = window_ms(model, size, args.window, precision, args.runs)
            name = "channels-last" if channels_last else "NCHW"
            print(f"| {precision} | {name} | {ms:.1f} |", flush=True)


if __name__ == "__main__":
    main()
