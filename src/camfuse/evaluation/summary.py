"""The ablation's summary: tables over seeds, relative changes in the paper's form, robustness plot.

Relative change of a variant against the baseline model is computed per seed (same seed, same
data, paired) as 100 · (v − b) / |b| and then averaged; the spread is the standard deviation over
seeds. FD is lower-is-better, so the paper's "FID −23.4 %" corresponds to a negative change.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from ..media import write_atomic
from .report import COLUMNS, environment, save_figure

REFERENCE = "baseline"  # relative changes are reported against this variant, as in the paper

# key, header, format, higher is better: the report's columns that have ground truth, arrows dropped
METRICS = [
    (k, "FD*" if k == "fd" else h.split(" ↑")[0].split(" ↓")[0].replace("warp err", "warp"), f, hi)
    for k, h, f, hi in COLUMNS
    if k in ("psnr", "ssim", "fd", "kid", "mfd", "cfdci", "warp")
]
# the paper's claims, as relative changes of the full model against its baseline
CLAIMS = [
    ("psnr", "PSNR", 11.0),
    ("ssim", "SSIM", 8.8),
    ("fd", "FID", -23.4),
    ("mfd", "multimodal fusion degree", 21.9),
    ("cfdci", "cross-modal feature dynamic coupling index", 42.3),
]


# (role, key, header, format): what each role is for — the keyframe role has ground truth to
# match, the style role is judged on fusion and stability; an extension may help only one of them
ROLE_COLUMNS = [
    ("keyframe", "psnr", "keyframe PSNR", "{:.2f}"),
    ("keyframe", "psnr_nonkey", "keyframe PSNR non-key", "{:.2f}"),
    ("keyframe", "ssim", "keyframe SSIM", "{:.3f}"),
    ("keyframe", "warp", "keyframe warp ×10³", "{:.2f}"),
    ("style", "psnr", "style PSNR", "{:.2f}"),
    ("style", "mfd", "style MFD", "{:.3f}"),
    ("style", "warp", "style warp ×10³", "{:.2f}"),
]


def _all(ev: dict, method: str = "camfuse", group: str = "all") -> dict[str, Any]:
    return next(r for r in ev["results"] if r["method"] == method and r["group"] == group)


def _roles(ev: dict, method: str = "camfuse") -> dict[str, dict[str, Any]]:
    groups = {r["group"] for r in ev["results"] if r["method"] == method}
    return {g: _all(ev, method, g) for g in ("keyframe", "style") if g in groups}


def _stats(values: list[float]) -> tuple[float, float]:
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def _fmt(values: list[float], fmt: str, scale: float = 1.0) -> str:
    if not values:
        return "–"
    m, s = _stats([v * scale for v in values])
    return f"{fmt.format(m)} ± {fmt.format(s)}"


def write_summary(
    out: Path,
    *,
    budget,
    runs: dict[str, dict[int, dict[str, Any]]],
    aliases: dict[str, str],
    baselines: dict[str, Any],
    extractor: dict[str, Any],
    command: str,
    test_split: Path,
) -> Path:
    per_variant = {
        name: {s: _all(r["eval"]) for s, r in seeds.items()} for name, seeds in runs.items()
    }
    by_role = {
        name: {s: _roles(r["eval"]) for s, r in seeds.items()} for name, seeds in runs.items()
    }
    relative = _relative(per_variant)
    train_seconds = sum(
        r["train"].get("wall_seconds", 0.0) for s in runs.values() for r in s.values()
    )
    eval_seconds = sum(r["eval"]["seconds"] for s in runs.values() for r in s.values())
    doc = {
        **environment(),
        "command": command,
        "budget": {k: v for k, v in budget.__dict__.items()},
        "test_split": str(test_split),
        "extractor": extractor,
        "aliases": aliases,
        "variants": per_variant,
        "variants_by_role": by_role,
        "relative_to_baseline_pct": relative,
        "baselines": baselines["results"],
        "per_frame": {
            s: _all(r["eval"], "camfuse-per-frame") for s, r in runs.get("full", {}).items()
        },
        "per_frame_by_role": {
            s: _roles(r["eval"], "camfuse-per-frame") for s, r in runs.get("full", {}).items()
        },
        "robustness": {
            name: {s: r["robustness"] for s, r in seeds.items()}
            for name, seeds in runs.items()
            if any(r["robustness"] for r in seeds.values())
        },
        "train_seconds": train_seconds,
        "eval_seconds": eval_seconds,
    }
    write_atomic(out / "ablation.json", json.dumps(doc, indent=1))
    write_atomic(out / "ablation.md", _markdown(doc))
    if doc["robustness"]:
        plot_robustness(out / "robustness.png", doc["robustness"])
    return out / "ablation.md"


def _role_table(doc: dict[str, Any]) -> list[str]:
    """Each role's own metrics, variants (mean ± std over seeds) then the classical baselines."""
    by_role = doc.get("variants_by_role") or {}
    if not by_role:
        return []
    lines = [
        "",
        "## Variants by role (mean ± std over seeds; classical baselines below the line)",
        "",
    ]
    head = ["variant"] + [h for *_, h, _ in ROLE_COLUMNS]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, seeds in by_role.items():
        cells = [name]
        for role, key, _, fmt in ROLE_COLUMNS:
            vals = [r[role][key] for r in seeds.values() if r.get(role, {}).get(key) is not None]
            cells.append(_fmt(vals, fmt, 1e3 if key == "warp" else 1.0))
        lines.append("| " + " | ".join(cells) + " |")
    for method in dict.fromkeys(r["method"] for r in doc["baselines"]):
        rows = {r["group"]: r for r in doc["baselines"] if r["method"] == method}
        cells = [method if method != "ground-truth" else "ground truth"]
        for role, key, _, fmt in ROLE_COLUMNS:
            v = rows.get(role, {}).get(key)
            cells.append("–" if v is None else fmt.format(v * (1e3 if key == "warp" else 1.0)))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


GUIDES = ("flow-warp-fill-adapted", "flow-warp-fill")  # the guide with no network, by recipe
# (role, key, header): the guide table's columns, as differences from the guide
GUIDE_COLUMNS = [
    ("keyframe", "psnr", "keyframe PSNR (dB)"),
    ("keyframe", "psnr_nonkey", "keyframe PSNR non-key (dB)"),
    ("keyframe", "warp", "keyframe warp ×10³"),
    ("style", "psnr", "style PSNR (dB)"),
    ("style", "warp", "style warp ×10³"),
]


def _guide_table(doc: dict[str, Any]) -> list[str]:
    """Each variant (and the full model one frame at a time) minus the guide it paints from,
    painted with no network: what ``render --network off`` renders (issue 24's comparison)."""
    by_role = doc.get("variants_by_role") or {}
    guide = next((g for g in GUIDES if any(r["method"] == g for r in doc["baselines"])), None)
    if not by_role or guide is None:
        return []
    ref = {r["group"]: r for r in doc["baselines"] if r["method"] == guide}
    rows = dict(by_role)
    if doc.get("per_frame_by_role"):
        rows["full, one frame at a time"] = doc["per_frame_by_role"]
    lines = [
        "",
        f"## Against the guide with no network (`{guide}`, what `render --network off` paints)",
        "",
        "Variant minus guide, mean ± std over seeds (PSNR in dB, warp ×10³; > 0 is better for "
        "PSNR, < 0 for warp).",
        "",
    ]
    head = ["variant"] + [h for *_, h in GUIDE_COLUMNS]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, seeds in rows.items():
        cells = [name]
        for role, key, _ in GUIDE_COLUMNS:
            g = ref.get(role, {}).get(key)
            vals = [
                r[role][key] - g
                for r in seeds.values()
                if g is not None and r.get(role, {}).get(key) is not None
            ]
            scale = 1e3 if key == "warp" else 1.0
            m, sd = _stats([v * scale for v in vals]) if vals else (None, None)
            cells.append("–" if m is None else f"{m:+.2f} ± {sd:.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _relative(per_variant: dict[str, dict[int, dict]]) -> dict[str, dict[str, list[float]]]:
    ref = per_variant.get(REFERENCE)
    if not ref:
        return {}
    out = {}
    for name, seeds in per_variant.items():
        out[name] = {}
        for key, *_ in METRICS:
            vals = [
                100 * (seeds[s][key] - ref[s][key]) / abs(ref[s][key])
                for s in seeds
                if s in ref and seeds[s].get(key) is not None and ref[s].get(key)
            ]
            out[name][key] = vals
    return out


def _markdown(doc: dict[str, Any]) -> str:
    b = doc["budget"]
    lines = [
        "# camfuse ablation",
        "",
        f"- command: `{doc['command']}`",
        f"- budget: recipe `{b.get('recipe', 'paper')}`, preset `{b['preset']}`, {b['steps']} steps, precision {b['precision']}, seeds "
        f"{list(b['seeds'])}, training pool {b['train_clips']} clips, test split {doc['test_split']} "
        f"({b['test_clips']} clips × {b['test_frames']} frames)",
        f"- wall time: training {doc['train_seconds'] / 60:.0f} min, evaluation "
        f"{doc['eval_seconds'] / 60:.0f} min; {doc['date']}; {doc['machine']}",
        f"- FD*/KID extractor: {doc['extractor']['name']}",
        "",
        "## Variants (mean ± std over seeds, test split, both roles)",
        "",
    ]
    head = ["variant"] + [h for _, h, _, _ in METRICS]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, seeds in doc["variants"].items():
        cells = [name]
        for key, _, fmt, _ in METRICS:
            vals = [r[key] for r in seeds.values() if r.get(key) is not None]
            cells.append(_fmt(vals, fmt, 1e3 if key == "warp" else 1.0))
        lines.append("| " + " | ".join(cells) + " |")
    for alias, same in doc["aliases"].items():
        lines.append(
            f"| {alias} | same config as `{same}` (not retrained) |" + " |" * (len(METRICS) - 1)
        )
    lines += _role_table(doc)
    lines += _guide_table(doc)
    lines += ["", "## Relative change against the baseline model (paired by seed, %)", ""]
    head = ["variant"] + [h for _, h, _, _ in METRICS]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, rel in doc["relative_to_baseline_pct"].items():
        cells = [name] + [_pct(rel.get(k, [])) for k, *_ in METRICS]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## The paper's claims beside ours", ""] + _claims(doc)
    lines += ["", "## Classical baselines and the per-frame model (same test split)", ""]
    lines += [
        "| method | " + " | ".join(h for _, h, _, _ in METRICS) + " |",
        "|" + "---|" * (len(METRICS) + 1),
    ]
    for r in doc["baselines"]:
        if r["group"] == "all" and r["method"] != "ground-truth":
            lines.append(_row(r["method"], [r]))
    if doc["per_frame"]:
        lines.append(_row("camfuse-per-frame (full)", list(doc["per_frame"].values())))
    gt = [r for r in doc["baselines"] if r["method"] == "ground-truth" and r["group"] == "all"]
    if gt:
        lines.append(_row("ground truth", gt))
    lines += [
        "",
        "## Robustness to parameter perturbation (PSNR, mean ± std over seeds × draws)",
        "",
    ]
    lines += _robust_table(doc["robustness"])
    lines += ["", "![robustness](robustness.png)", ""]
    return "\n".join(lines) + "\n"


def paired(per_variant: dict, a: str, b: str, key: str) -> list[float]:
    """Per-seed relative change (%) of variant ``a`` against ``b`` on ``key``."""
    va, vb = per_variant.get(a, {}), per_variant.get(b, {})
    return [
        100 * (va[s][key] - vb[s][key]) / abs(vb[s][key])
        for s in va
        if s in vb and va[s].get(key) is not None and vb[s].get(key)
    ]


def _claims(doc: dict[str, Any]) -> list[str]:
    v = doc["variants"]
    lines = ["| claim | paper | ours (mean ± std over seeds) | met |", "|---|---|---|---|"]
    for key, name, claim in CLAIMS:
        vals = paired(v, "full", "baseline", key)
        met = (
            "–"
            if not vals
            else (
                "yes"
                if _stats(vals)[0] * claim > 0 and abs(_stats(vals)[0]) >= abs(claim)
                else "no"
            )
        )
        lines.append(f"| full vs baseline model, {name} | {claim:+.1f} % | {_pct(vals)} | {met} |")
    for key, *_ in METRICS[:2]:
        vals = paired(v, "full", "no-cam", key)
        met = "–" if not vals else ("yes" if _stats(vals)[0] >= 15 else "no")
        lines.append(
            f"| channel attention worth ≈ 15 % ({key.upper()}, full vs no-cam) | ≈ +15 % | {_pct(vals)} | {met} |"
        )
    curves = robustness_curves(doc["robustness"]) if doc["robustness"] else {}
    if "full" in curves and "static" in curves:
        drop = {n: c[0][1] - c[-1][1] for n, c in curves.items()}
        sig = curves["full"][-1][0]
        met = "yes" if drop["full"] < drop["static"] else "no"
        lines.append(
            f"| dynamic weights more robust to perturbation (PSNR drop at σ={sig:g}) | dynamic < static | "
            f"dynamic {drop['full']:.2f} dB, static {drop['static']:.2f} dB | {met} |"
        )
    return lines


def _row(name: str, rows: list[dict]) -> str:
    cells = [name]
    for key, _, fmt, _ in METRICS:
        vals = [r[key] for r in rows if r.get(key) is not None]
        cells.append(
            _fmt(vals, fmt, 1e3 if key == "warp" else 1.0)
            if len(rows) > 1
            else ("–" if not vals else fmt.format(vals[0] * (1e3 if key == "warp" else 1.0)))
        )
    return "| " + " | ".join(cells) + " |"


def _pct(vals: list[float]) -> str:
    if not vals:
        return "–"
    m, s = _stats(vals)
    return f"{m:+.1f} % ± {s:.1f}"


def _robust_table(rob: dict[str, dict]) -> list[str]:
    sigmas = sorted(
        {row["sigma"] for seeds in rob.values() for rows in seeds.values() for row in rows}
    )
    lines = [
        "| weighting | " + " | ".join(f"σ={s:g}" for s in sigmas) + " |",
        "|" + "---|" * (len(sigmas) + 1),
    ]
    for name, seeds in rob.items():
        cells = [name]
        for s in sigmas:
            vals = [row["psnr"] for rows in seeds.values() for row in rows if row["sigma"] == s]
            cells.append(_fmt(vals, "{:.2f}"))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def robustness_curves(rob: dict[str, dict]) -> dict[str, list[tuple[float, float, float]]]:
    """variant -> [(sigma, mean PSNR, std)] over seeds and draws."""
    out = {}
    for name, seeds in rob.items():
        sigmas = sorted({row["sigma"] for rows in seeds.values() for row in rows})
        out[name] = [
            (
                s,
                *_stats(
                    [row["psnr"] for rows in seeds.values() for row in rows if row["sigma"] == s]
                ),
            )
            for s in sigmas
        ]
    return out


def plot_robustness(path: Path, rob: dict[str, dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, curve in robustness_curves(rob).items():
        xs, ms, ss = zip(*curve, strict=True)
        label = {"full": "dynamic weights (full)", "static": "static weights"}.get(name, name)
        ax.errorbar(xs, ms, yerr=ss, marker="o", capsize=3, label=label)
    ax.set_xlabel("σ (weights × (1 + σ·N(0,1)))")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title("robustness to parameter perturbation")
    ax.legend()
    save_figure(fig, path, dpi=100)
