"""Evaluation reports: ``report.json`` (everything), ``report.md`` (the table), plots.

The FD column is labelled ``FID`` only when the standard InceptionV3 FID weights were used; with
the fallback extractor it is ``FD*`` and the footnote names the extractor, so a number measured
with random features is never mistaken for a published-comparable FID.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..media import staged_output, write_atomic, write_image
from .runner import Result

# (key, header, format, higher is better)
COLUMNS = [
    ("psnr", "PSNR ↑", "{:.2f}", True),
    ("psnr_nonkey", "PSNR non-key ↑", "{:.2f}", True),  # keyframe role: the painted frame left out
    ("psnr_new", "PSNR new ↑", "{:.2f}", True),  # keyframe role: pixels the keyframe never showed
    ("ssim", "SSIM ↑", "{:.3f}", True),
    ("fd", "FD ↓", "{:.2f}", False),
    ("kid", "KID ↓", "{:.4f}", False),
    ("style_dist", "style dist ↓", "{:.3f}", False),  # style role: pretrained-feature statistics
    ("mfd", "MFD ↑", "{:.3f}", True),
    ("cfdci", "CFDCI ↑", "{:.3f}", True),
    ("warp", "warp err ×10³ ↓", "{:.2f}", False),
    ("warp_long", "long-term warp ×10³ ↓", "{:.2f}", False),
    ("s_per_frame", "s/frame", "{:.4f}", False),
]
SCALED = {"warp": 1e3, "warp_long": 1e3}
ROLE_GROUPS = (("keyframe", "keyframe"), ("style", "style"), ("all", "all"))


def environment() -> dict[str, Any]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, torch {torch.__version__}, "
        f"{'CUDA ' + torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU'}",
    }


def write_report(
    out: Path,
    results: Sequence[Result],
    *,
    title: str,
    meta: dict[str, Any],
    extractor: dict[str, Any] | None,
    groups: Sequence[tuple[str, str]] = ROLE_GROUPS,
    columns: Sequence[tuple] = COLUMNS,
    notes: Sequence[str] = (),
) -> None:
    """``out/report.json``, ``out/report.md`` and ``out/metrics.png``; ``out`` must exist.

    ``groups`` are (group key, section heading) in table order; the plot shows every group when
    there are at most three, else ``all`` only. ``notes`` are extra lines under the tables (rows
    skipped, what was held out)."""
    rows = [r.to_dict() for r in results]
    doc = {**environment(), **meta, "extractor": extractor, "notes": list(notes), "results": rows}
    write_atomic(out / "report.json", json.dumps(doc, indent=1))
    text = markdown(
        rows, title=title, meta=doc, extractor=extractor, groups=groups, columns=columns
    )
    write_atomic(out / "report.md", text)
    plotted = [g for g, _ in groups] if len(groups) <= 3 else ["all"]
    plot_metrics(out / "metrics.png", rows, groups=plotted, columns=columns)


def markdown(
    rows: list[dict[str, Any]],
    *,
    title: str,
    meta: dict[str, Any],
    extractor: dict | None,
    groups: Sequence[tuple[str, str]] = ROLE_GROUPS,
    columns: Sequence[tuple] = COLUMNS,
) -> str:
    fd_label = "FID ↓" if extractor and extractor.get("standard") else "FD* ↓"
    cols = [c for c in columns if any(r.get(c[0]) is not None for r in rows)]
    head = ["method", "clips"] + [fd_label if k == "fd" else h for k, h, _, _ in cols]
    lines = [f"# {title}", ""]
    for k in ("command", "data", "checkpoint", "date", "machine", "wall_time"):
        if meta.get(k):
            lines.append(
                f"- {k.replace('_', ' ')}: `{meta[k]}`"
                if k == "command"
                else f"- {k.replace('_', ' ')}: {meta[k]}"
            )
    lines.append("")
    for group, heading in groups:
        sub = [r for r in rows if r["group"] == group]
        if not sub:
            continue
        lines += [f"## {heading}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        best = _best(sub, cols)
        for r in sub:
            cells = [f"{r['method']}", str(r["clips"])]
            for k, _, fmt, _ in cols:
                v = r.get(k)
                cell = "–" if v is None else fmt.format(v * SCALED.get(k, 1))
                cells.append(
                    f"**{cell}**" if v is not None and best.get(k) == r["method"] else cell
                )
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["Methods:", ""] + sorted({f"- `{r['method']}`: {r['label']}" for r in rows})
    lines.append("")
    if extractor:
        star = (
            ""
            if extractor.get("standard")
            else " (not the standard FID: not comparable to published FID values)"
        )
        lines.append(f"FD/KID feature extractor: {extractor['name']}{star}.")
    lines += [f"{n}" for n in meta.get("notes", [])]
    lines.append(
        "Best value per column in bold (ground-truth excluded; for a ratio where 1 matches the "
        "truth, the closest to 1). Metric definitions: docs/metrics.md."
    )
    return "\n".join(lines) + "\n"


def _best(rows: list[dict], cols) -> dict[str, str]:
    best = {}
    for k, _, _, higher in cols:
        cand = [r for r in rows if r.get(k) is not None and r["method"] != "ground-truth"]
        if k == "s_per_frame":
            continue
        if cand and higher is None:  # a ratio to the truth: 1 is best
            best[k] = min(cand, key=lambda r: abs(r[k] - 1))["method"]
        elif cand:
            pick = max if higher else min
            best[k] = pick(cand, key=lambda r: r[k])["method"]
    return best


def plot_metrics(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    groups: Sequence[str] = ("keyframe", "style", "all"),
    columns: Sequence[tuple] = COLUMNS,
) -> None:
    """One bar chart per metric, methods on the x axis, one bar colour per group."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = [c for c in columns if any(r.get(c[0]) is not None for r in rows)]
    methods = list(dict.fromkeys(r["method"] for r in rows))
    groups = [g for g in groups if any(r["group"] == g for r in rows)]
    fig, axes = plt.subplots(1, len(cols), figsize=(3.2 * len(cols), 3.6), squeeze=False)
    width = 0.8 / max(len(groups), 1)
    for ax, (k, header, _, _) in zip(axes[0], cols, strict=True):
        for j, g in enumerate(groups):
            vals = [
                next((r.get(k) for r in rows if r["method"] == m and r["group"] == g), None)
                for m in methods
            ]
            xs = [i + j * width for i, v in enumerate(vals) if v is not None]
            ys = [v * SCALED.get(k, 1) for v in vals if v is not None]
            ax.bar(xs, ys, width, label=g)
        ax.set_title(header, fontsize=9)
        ax.set_xticks([i + width * (len(groups) - 1) / 2 for i in range(len(methods))])
        ax.set_xticklabels(methods, rotation=60, ha="right", fontsize=7)
    axes[0][0].legend(fontsize=7)
    save_figure(fig, path, dpi=90)


def contact_sheet(path: Path, rows: list[tuple[str, list[torch.Tensor]]]) -> None:
    """Rows of frames (label ignored in pixels; order documented in report.md) -> one PNG."""
    tiles = []
    for _, frames in rows:
        h = max(f.shape[1] for f in frames)
        tiles.append(torch.cat([_pad(f, h) for f in frames], dim=2))
    w = max(t.shape[2] for t in tiles)
    sheet = torch.cat([torch.nn.functional.pad(t, (0, w - t.shape[2])) for t in tiles], dim=1)
    img = (sheet.clamp(0, 1).permute(1, 2, 0).numpy() * 255 + 0.5).astype(np.uint8)
    with staged_output(path, "file", overwrite=True) as tmp:
        write_image(tmp, img)


def _pad(x: torch.Tensor, h: int) -> torch.Tensor:
    return torch.nn.functional.pad(x, (0, 2, 0, h - x.shape[1]))


def save_figure(fig, path: Path, *, dpi: int) -> None:
    """tight_layout, save under a temporary name, rename, close."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    try:
        with staged_output(path, "file", overwrite=True) as tmp:
            fig.savefig(tmp, dpi=dpi)
    finally:
        plt.close(fig)
