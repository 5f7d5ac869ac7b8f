"""`camfuse ablate --quick`: the whole pipeline (train, evaluate, perturb, summarise) in small."""

from __future__ import annotations

import json

import pytest
import torch

from camfuse.cli import main
from camfuse.evaluation.ablation import FULL, QUICK, VARIANTS, _fingerprint, variant_config
from camfuse.evaluation.perturb import perturbed


def test_ablate_quick_runs_the_whole_pipeline_and_resumes(tmp_path, capsys):
    out = tmp_path / "ablate"
    # two variants (a third only repeated the same path: 45 s of make test's 15-min budget);
    # what each variant switches is test_variants_switch_exactly_their_component's
    argv = ["ablate", "--quick", "--out", str(out), "--steps", "2", "--variants",
            "full,baseline"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    doc = json.loads((out / "ablation.json").read_text())
    assert set(doc["variants"]) == {"full", "baseline"}
    assert set(doc["variants"]["full"]) == {"0", "1"}  # two seeds in --quick
    rel = doc["relative_to_baseline_pct"]
    assert rel["baseline"]["psnr"] == [0.0, 0.0] and len(rel["full"]["psnr"]) == 2
    assert {r["method"] for r in doc["baselines"]} >= {
        "identity", "flow-warp", "flow-warp-fill", "ground-truth"
    }  # fmt: skip
    by_role = doc["variants_by_role"]["full"]["0"]
    assert set(by_role) == {"keyframe", "style"}
    assert by_role["keyframe"]["psnr"] != doc["variants"]["full"]["0"]["psnr"]
    rob = doc["robustness"]["full"]["0"]
    assert sorted({r["sigma"] for r in rob}) == list(QUICK.sigmas)
    assert len(rob) == 1 + QUICK.draws * (len(QUICK.sigmas) - 1)
    md = (out / "ablation.md").read_text()
    assert "The paper's claims beside ours" in md and "PSNR" in md
    role_table = md.split("## Variants by role")[1].split("\n## ")[0]
    assert "| full |" in role_table and "| flow-warp-fill |" in role_table
    assert (out / "robustness.png").stat().st_size > 0
    stamp = (out / "runs" / "full" / "seed0" / "eval.json").stat().st_mtime_ns
    capsys.readouterr()
    assert main(argv) == 0  # everything is done: nothing is retrained or re-evaluated
    assert (out / "runs" / "full" / "seed0" / "eval.json").stat().st_mtime_ns == stamp


def test_variants_switch_exactly_their_component(tmp_path):
    """On the tiny preset every override changes something, and nothing else changes."""
    full = variant_config("full", QUICK, 0, tmp_path).to_dict()
    for name, (_, overrides) in VARIANTS.items():
        cfg = variant_config(name, QUICK, 0, tmp_path).to_dict()
        changed = {
            f"{sec}.{k}"
            for sec in ("model", "loss")
            for k in cfg[sec]
            if cfg[sec][k] != full[sec][k]
        }
        assert changed == {o.split("=")[0] for o in overrides}, name


def test_perturbation_scales_every_parameter_and_is_seeded():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.BatchNorm1d(4))
    a, b = perturbed(model, 0.1, seed=3), perturbed(model, 0.1, seed=3)
    for p, q, r in zip(model.parameters(), a.parameters(), b.parameters(), strict=True):
        assert torch.equal(q, r) and (p.abs().sum() == 0 or not torch.equal(p, q))
        ratio = (q / p).detach()[p.abs() > 1e-3]
        if ratio.numel() > 1:  # BatchNorm's bias starts at zero and stays zero
            assert (ratio - 1).std().item() == pytest.approx(0.1, rel=0.5)
    assert torch.equal(a[1].running_var, model[1].running_var)  # buffers are not weights
    assert all(
        torch.equal(p, q)
        for p, q in zip(model.parameters(), perturbed(model, 0.0, seed=1).parameters(), strict=True)
    )


def test_unknown_variant_is_a_one_line_error(tmp_path, capsys):
    assert (
        main(["ablate", "--quick", "--out", str(tmp_path / "a"), "--variants", "full,bogus"]) == 2
    )
    assert "bogus" in capsys.readouterr().err


def test_a_variant_equal_to_the_preset_is_not_trained_twice(tmp_path):
    """The cpu preset is ResNet-18: its `resnet18` variant is `full`; on tiny (ResNet-10) it is not."""
    fp = lambda name, budget: _fingerprint(variant_config(name, budget, 0, tmp_path))  # noqa: E731
    assert fp("resnet18", FULL) == fp("full", FULL)
    assert fp("resnet18", QUICK) != fp("full", QUICK)
    assert fp("full", FULL) != fp("full", QUICK)


def test_render_recipe_trains_and_judges_the_model_as_render_runs_it(tmp_path):
    """--recipe render: every variant gets the sampling path and the adapted fill on top of its
    own switches, and is judged with per-shot adaptation beside the guide with no network."""
    from camfuse.baselines import build_methods
    from camfuse.evaluation.ablation import RECIPES, RENDER, RENDER_VARIANTS

    assert set(RENDER_VARIANTS) <= set(VARIANTS) and RENDER.recipe == "render"
    for name in RENDER_VARIANTS:
        cfg = variant_config(name, RENDER, 0, tmp_path)
        paper = variant_config(name, FULL, 0, tmp_path)
        assert cfg.model.sampling and cfg.data.fill == "features", name
        assert not paper.model.sampling and paper.data.fill == "colour", name
        assert _fingerprint(cfg) != _fingerprint(paper)
    assert RECIPES["paper"] == ()
    model = torch.nn.Module()
    model.cfg = variant_config("full", RENDER, 0, tmp_path).model
    plain = build_methods(["camfuse-per-frame"], model=model)
    adapted = build_methods(["camfuse-per-frame"], model=model, adapted=True)
    named = build_methods(["camfuse-per-frame-adapted"], model=model)
    assert plain[0].adapt is None and adapted[0].adapt is not None
    assert adapted[0].name == "camfuse-per-frame" and named[0].name == "camfuse-per-frame-adapted"
    assert named[0].adapt == adapted[0].adapt and named[0].window == 1


def test_guide_table_is_each_variant_minus_the_guide():
    from camfuse.evaluation.summary import _guide_table

    def roles(k, s):
        return {"keyframe": {"psnr": k, "psnr_nonkey": k - 1, "warp": 1e-3},
                "style": {"psnr": s, "warp": 2e-3}}  # fmt: skip

    guide = [{"method": "flow-warp-fill-adapted", "group": g, **v}
             for g, v in roles(30.0, 14.0).items()]  # fmt: skip
    doc = {"variants_by_role": {"full": {"0": roles(30.5, 14.0), "1": roles(30.1, 14.2)}},
           "per_frame_by_role": {"0": roles(29.0, 13.0)}, "baselines": guide}  # fmt: skip
    lines = _guide_table(doc)
    full = next(x for x in lines if x.startswith("| full |"))
    assert full.split(" | ")[1:4] == ["+0.30 ± 0.28", "+0.30 ± 0.28", "+0.00 ± 0.00"]
    assert "| full, one frame at a time | -1.00 ± 0.00 |" in "\n".join(lines)
    assert "`flow-warp-fill-adapted`" in lines[1]
    assert _guide_table({**doc, "baselines": []}) == []
