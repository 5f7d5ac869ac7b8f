"""``camfuse evaluate`` on a real-footage split (``camfuse data real``): full size, per clip and painter.

Every row renders the split's footage at its own size from the painted keyframe, and is compared
with every frame painted on its own (:mod:`camfuse.data.real`). Columns:

- PSNR, SSIM and the detail ratio (:func:`camfuse.metrics.detail_ratio`) over the frames other
  than the keyframe: every method is given the painted keyframe, and a copied frame would score
  PSNR 100 dB and lift the mean by several dB;
- warping error over all consecutive pairs, with DIS flow estimated once per clip on the
  footage at full size (the same metric as on the synthetic split: flow on the output would let
  a method lower its error by moving differently from the footage); the ``ground-truth`` row is
  the per-frame painter's own flicker, the level a method cannot be expected to beat;
- s/frame: the method's wall time over the frames it rendered (for the render rows, including
  reading and writing PNGs, as a user's render pays for them).

Groups: ``clip:NAME`` (one per clip, over its painters), ``painter:NAME`` (over clips) and
``all`` (every sample, i.e. every (clip, painter) pair, weighted equally).
Samples are read one at a time and the footage and its flow once per clip, so memory is that of
one clip (about 1.5 GB for 24 frames at 1280×720), not of the split.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from ..baselines import BASELINES
from ..baselines.ebsynth import EbSynth, unavailable_reason
from ..baselines.rendered import RENDER_ROWS, RenderMethod
from ..data.real import read_frames, read_real_manifest
from ..guide.flow import clip_flows
from ..metrics import detail_ratio, psnr, ssim, warp_error
from .runner import GROUND_TRUTH, Result

log = logging.getLogger(__name__)

# ebsynth only when installed; camfuse-network-on: what the network adds (a real split is the
# keyframe role, where the default, --network auto, renders without it), in every run
DEFAULT_ROWS = ("camfuse", "camfuse-network-on", "camfuse-256", "flow-warp", "ebsynth")
ROWS = (*RENDER_ROWS, "flow-warp", "flow-warp-fine", "static-keyframe", "identity", "ebsynth")
SCORES = ("psnr", "ssim", "detail", "warp")
COLUMNS = [  # (key, header, format, higher is better), as evaluation.report.COLUMNS
    ("psnr", "PSNR ↑", "{:.2f}", True),
    ("ssim", "SSIM ↑", "{:.3f}", True),
    ("detail", "detail ratio (1 = truth)", "{:.3f}", None),
    ("warp", "warp err ×10³ ↓", "{:.2f}", False),
    ("s_per_frame", "s/frame", "{:.3f}", False),
]
SSIM_CHUNK = 4  # frames per SSIM call: torchmetrics keeps ~5 float copies of its input


def build_rows(
    names: Sequence[str] | str,
    *,
    model: Any = None,
    checkpoint: str | Path | None = None,
    device: str = "auto",
    adapt: str = "auto",
) -> tuple[list[Any], list[str]]:
    """The methods named (``"all"`` = :data:`DEFAULT_ROWS`) and notes for rows skipped.

    ``ebsynth`` under ``"all"`` is skipped with a note when ``CAMFUSE_EBSYNTH`` names no
    executable; named explicitly, that is a ValueError."""
    wanted = list(DEFAULT_ROWS) if names == "all" else list(names)
    unknown = [n for n in wanted if n not in ROWS]
    if unknown:
        raise ValueError(
            f"unknown row(s) {', '.join(unknown)} for a real split; choose from {', '.join(ROWS)}"
        )
    if len(set(wanted)) != len(wanted):
        raise ValueError(f"a row is named twice in {', '.join(wanted)}")
    rows, notes = [], []
    for name in wanted:
        if name in RENDER_ROWS:
            rows.append(
                RenderMethod(name, model=model, checkpoint=checkpoint, device=device, adapt=adapt)
            )
        elif name == "ebsynth":
            reason = unavailable_reason()
            if reason and names == "all":
                notes.append(f"ebsynth row skipped: {reason}")
                log.warning("ebsynth row skipped: %s", reason)
                continue
            rows.append(EbSynth())  # ValueError(reason) when unavailable
        else:
            rows.append(BASELINES[name]())
    return rows, notes


def needs_model(names: Sequence[str] | str) -> bool:
    return names == "all" or any(n in RENDER_ROWS for n in names)


@torch.inference_mode()
def evaluate_real(
    root: str | Path,
    methods: Sequence[Any],
    *,
    max_clips: int | None = None,
    reference: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> list[Result]:
    """Measure every method on the first ``max_clips`` samples; one :class:`Result` per group."""
    root = Path(root)
    manifest = read_real_manifest(root)
    samples = manifest["samples"][:max_clips]
    frames = manifest["frames"]
    runs = [*methods, *([_GroundTruth()] if reference else [])]
    scores: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
    timing: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    done = 0
    for clip in dict.fromkeys(s["clip"] for s in samples):  # manifest order, clip by clip
        footage_dir = root / manifest["clips"][clip]["footage"]
        footage = read_frames(footage_dir, frames)
        flows = clip_flows(footage)  # full size, once per clip: shared by its painters and rows
        for s in (s for s in samples if s["clip"] == clip):
            sample = root / s["dir"]
            target = read_frames(sample / "target", frames)
            if target.shape != footage.shape:
                raise ValueError(f"{sample}: target frames do not match the footage's size")
            for m in runs:
                start = time.perf_counter()
                out = _run(m, sample / "painting.png", footage_dir, footage, target, s["keyframe"])
                seconds = time.perf_counter() - start
                if out.shape != target.shape:
                    raise ValueError(
                        f"{m.name} returned {tuple(out.shape)} for {s['dir']}, "
                        f"not the footage's {tuple(target.shape)}"
                    )
                row = _scores(out, target, footage, flows, s["keyframe"], m.name != GROUND_TRUTH)
                for group in (f"clip:{clip}", f"painter:{s['painter']}", "all"):
                    scores[(m.name, group)].append(row)
                    timing[(m.name, group)][0] += seconds
                    timing[(m.name, group)][1] += out.shape[0]
            done += 1
            if on_progress:
                on_progress(done, len(samples))
    return _results(runs, scores, timing, groups(samples))


def groups(samples: Sequence[dict]) -> list[str]:
    clips = dict.fromkeys(f"clip:{s['clip']}" for s in samples)
    painters = dict.fromkeys(f"painter:{s['painter']}" for s in samples)
    return [*clips, *painters, "all"]


class _GroundTruth:
    name, label = GROUND_TRUTH, "every frame painted on its own (the painter's own flicker)"


def _run(m, painting: Path, footage_dir: Path, footage, target, keyframe: int) -> torch.Tensor:
    if m.name == GROUND_TRUTH:
        return target
    if getattr(m, "files", False):
        return m.from_files(painting, footage_dir, keyframe=keyframe).float().clamp(0, 1)
    paint = target[keyframe]  # painting.png is target/K, bit for bit
    return m(paint, footage, keyframe=keyframe).float().clamp(0, 1)


def _scores(out, target, footage, flows, keyframe: int, truth: bool) -> dict[str, float]:
    s = {"warp": warp_error(out, footage, flows=flows)}
    if not truth:
        return s
    others = [t for t in range(out.shape[0]) if t != keyframe]
    o, g = out[others], target[others]
    s["psnr"] = psnr(o, g)  # a mean over frames already
    chunks = [range(i, min(i + SSIM_CHUNK, len(others))) for i in range(0, len(others), SSIM_CHUNK)]
    s["ssim"] = sum(ssim(o[c.start : c.stop], g[c.start : c.stop]) * len(c) for c in chunks) / len(
        others
    )
    s["detail"] = detail_ratio(o, g)
    return s


def _results(runs, scores, timing, group_names: list[str]) -> list[Result]:
    results = []
    for m in runs:
        for group in group_names:
            key = (m.name, group)
            if key not in scores:
                continue
            rows = scores[key]
            r = Result(
                m.name,
                getattr(m, "label", m.name),
                group,
                clips=len(rows),
                frames=int(timing[key][1]),
                seconds=0.0 if m.name == GROUND_TRUTH else timing[key][0],
            )
            for k in SCORES:
                vals = [row[k] for row in rows if k in row]
                r.metrics[k] = sum(vals) / len(vals) if vals else None
            results.append(r)
    return results
