"""Guide quality against optical-flow cost, per DIS configuration (the painting-sampling guide).

    .venv/bin/python benchmarks/bench_guide.py                  # 16 clips x 16 frames, 256 px
    .venv/bin/python benchmarks/bench_guide.py --samples 64     # the model card's test split
    .venv/bin/python benchmarks/bench_guide.py --size 512 --configs fine,medium,fine-320,lean-320

The guide (``camfuse.guide``) carries the keyframe's paint-over along DIS flow chained back to the
keyframe, with a forward-backward check per step; ``flow-warp-fill`` (``camfuse.baselines.guided``)
is that guide with no network. Each row is one flow configuration, measured on the keyframe-role
clips of a generator split (written by ``write_split`` with the seeds ``camfuse data make`` uses,
unless ``--data`` already holds one; the default split is the first clips of the model card's):

- **PSNR / non-key**: flow-warp-fill against the ground truth, as ``camfuse evaluate`` reports
  them (the painted frame itself scores 100 dB in PSNR, so non-key is the one to compare);
- **GT fill**: non-key PSNR with the ground truth where the track is untrusted, an upper bound for
  anything that fills those pixels (a network included);
- **trusted**: share of non-key pixels whose track passed every check;
- **DIS ms / frame**: wall time of the chained flow (:func:`camfuse.guide.flow.chain_to`: two DIS calls
  and the composition per tracked frame), median over clips x repeats. Configurations are timed
  interleaved, so drifting machine load hits them alike; on a shared CPU compare ratios.

A configuration is a preset name (``camfuse.guide.flow.PRESETS``) with optional overrides of
:class:`camfuse.guide.flow.DisSettings` fields and a different reverse flow for the check:
``fine+patch_stride=4+descent_iterations=8|medium`` = "fine" with stride 4 and 8 descent iterations,
checked against OpenCV's medium preset. The last row, flow-warp (DIS medium, chained, no check, no
fill), is the guide.py docstring's first figure.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shlex
import statistics
import sys
import time
from pathlib import Path

import cv2
import torch
import torch.nn.functional as F

from camfuse.baselines.flow_warp import FlowWarp
from camfuse.baselines.guided import FlowWarpFill
from camfuse.data.splits import write_split
from camfuse.evaluation.clips import Clip, split_clips
from camfuse.guide.flow import PRESETS, DisSettings, chain_to, resolve
from camfuse.metrics import psnr

log = logging.getLogger("bench_guide")

PAINTERS = "oil,impasto,cel,pencil,pointillism,mosaic"  # the model card's test split
CONFIGS = "fine,fast,medium,lean-320,fine+patch_stride=5+descent_iterations=8,fine|medium"
FIELDS = {
    f.name: f.type for f in dataclasses.fields(DisSettings) if f.name not in ("base", "check")
}


def parse_config(spec: str) -> DisSettings:
    """``NAME[+field=value...][|CHECK]`` -> settings; CHECK has the same form without ``|``."""
    track, _, check = spec.partition("|")
    name, *overrides = track.split("+")
    settings = resolve(name)
    values = {}
    for item in overrides:
        key, _, value = item.partition("=")
        if key not in FIELDS or not value:
            raise ValueError(f"bad override {item!r} in {spec!r}; fields: {', '.join(FIELDS)}")
        kind = FIELDS[key]
        values[key] = (
            (value == "1") if "bool" in kind else (float if "float" in kind else int)(value)
        )
    if check:
        values["check"] = parse_config(check)
    return dataclasses.replace(settings, **values)


def load_split(args: argparse.Namespace) -> tuple[Path, list[Clip]]:
    path = args.data or Path(
        f"runs/bench-guide/test{args.size}-{args.samples}x{args.frames}-seed{args.seed}"
    )
    if not (path / "manifest.json").is_file():
        log.info("writing the split %s (%d clips)", path, args.samples)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_split(
            path,
            samples=args.samples,
            frames=args.frames,
            size=args.size,
            seed=args.seed,
            painters=args.painters.split(","),
        )
    clips = [c for c in split_clips(path) if c.keyframe is not None]
    if not clips:
        raise ValueError(f"{path} holds no keyframe-role clips")
    if args.resize:
        w, h = (int(v) for v in args.resize.lower().split("x"))
        clips = [_resized(c, (h, w)) for c in clips]
    return path, clips


def _resized(clip: Clip, size: tuple[int, int]) -> Clip:
    def fit(x: torch.Tensor) -> torch.Tensor:
        return F.interpolate(x, size=size, mode="bilinear", antialias=True).clamp(0, 1)

    return dataclasses.replace(
        clip,
        painting=fit(clip.painting[None])[0],
        footage=fit(clip.footage),
        target=fit(clip.target),
    )


def quality(clips: list[Clip], method, settings: DisSettings | None) -> dict[str, float]:
    """Mean over clips of PSNR, non-key PSNR, and (with settings) GT fill and trusted share."""
    rows = []
    for c in clips:
        out = method(c.painting, c.footage, keyframe=c.keyframe)
        others = [t for t in range(out.shape[0]) if t != c.keyframe]
        row = {"psnr": psnr(out, c.target), "nonkey": psnr(out[others], c.target[others])}
        if settings is not None:  # the guide's trust mask: chain_to is what stream_guides runs
            _, valid = chain_to(c.footage.float(), c.keyframe, preset=settings)
            oracle = valid * out + (1 - valid) * c.target
            row["oracle"] = psnr(oracle[others], c.target[others])
            row["trusted"] = float(valid[others].mean())
        rows.append(row)
    return {k: statistics.fmean(r[k] for r in rows) for k in rows[0]}


def timings(clips: list[Clip], configs: dict[str, DisSettings], repeats: int) -> dict[str, float]:
    """Median ms per tracked frame of chain_to, configurations interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in configs}
    for _ in range(repeats):
        for name, settings in configs.items():
            for c in clips:
                frames = c.footage.float()
                start = time.perf_counter()
                chain_to(frames, c.keyframe, preset=settings)
                samples[name].append((time.perf_counter() - start) / (frames.shape[0] - 1))
    return {name: 1000 * statistics.median(s) for name, s in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--configs",
        default=CONFIGS,
        help=f"comma-separated, the first is the time reference; presets: {', '.join(PRESETS)}",
    )
    parser.add_argument("--data", type=Path, help="split folder; written there when missing")
    parser.add_argument("--samples", type=int, default=16, help="clips (both roles) of a new split")
    parser.add_argument("--frames", type=int, default=16)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--painters", default=PAINTERS)
    parser.add_argument("--resize", help="WxH: resample the clips first (e.g. 1024x576)")
    parser.add_argument("--repeats", type=int, default=3, help="timing runs per clip")
    parser.add_argument("--time-clips", type=int, default=4, help="keyframe clips timed")
    parser.add_argument("--threads", type=int, default=1, help="torch and OpenCV threads")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # the guide's warps run in torch: with 2 intra-op threads on a 2-core machine that is also
    # training, chain_to ran 10x slower (OpenMP threads waiting on a busy core), DIS itself not
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)

    configs = {spec: parse_config(spec) for spec in args.configs.split(",")}
    start = time.perf_counter()
    path, clips = load_split(args)
    h, w = clips[0].footage.shape[-2:]
    results = {}
    for spec, settings in configs.items():
        log.info("quality: %s", spec)
        results[spec] = quality(clips, FlowWarpFill(preset=settings), settings)
    log.info("timing %d configurations", len(configs))
    ms = timings(clips[: args.time_clips], configs, args.repeats)
    reference = quality(clips, FlowWarp(), None)

    first = next(iter(configs))
    print(f"{len(clips)} keyframe clips of {path} at {w}x{h}, {clips[0].footage.shape[0]} frames")
    print()
    print("| flow | PSNR | PSNR non-key | GT fill non-key | trusted | DIS ms / frame | x time |")
    print("|---|---|---|---|---|---|---|")
    for spec, r in results.items():
        cell = spec.replace("|", r"\|")  # a literal | inside a Markdown cell
        print(
            f"| {cell} | {r['psnr']:.2f} | {r['nonkey']:.2f} | {r['oracle']:.2f} | "
            f"{100 * r['trusted']:.1f} % | {ms[spec]:.1f} | {ms[spec] / ms[first]:.2f} |"
        )
    print(
        f"| flow-warp (medium, no fill) | {reference['psnr']:.2f} | {reference['nonkey']:.2f} "
        "| – | – | – | – |"
    )
    print()
    n = min(len(clips), args.time_clips)
    print(f"DIS ms / frame: median of {args.repeats} runs x {n} clips, {args.threads} thread(s)")
    print(f"wall time {time.perf_counter() - start:.0f} s; command:")
    print(f"    .venv/bin/python benchmarks/bench_guide.py {shlex.join(sys.argv[1:])}".rstrip())


if __name__ == "__main__":
    main()
