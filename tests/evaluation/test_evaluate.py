"""`camfuse evaluate` end to end on a tiny split and on real footage, and the runner's bookkeeping."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from camfuse.cli import main
from camfuse.evaluation import evaluate, split_clips
from tests.footage import make_clip

METHODS = "identity,static-keyframe,flow-warp,camfuse,camfuse-per-frame"


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    from camfuse.checkpoint import save_checkpoint
    from camfuse.config import load_config
    from camfuse.data.splits import write_split
    from camfuse.media import write_image
    from camfuse.models import CamFuse

    d = tmp_path_factory.mktemp("eval")
    write_split(d / "split", samples=4, frames=4, size=32, seed=5)
    torch.manual_seed(0)
    cfg = load_config("tiny")
    save_checkpoint(d / "tiny", CamFuse(cfg.model), cfg, note="random init, for tests")
    make_clip(d / "clip.mp4", n=8, w=64, h=48)
    rng = np.random.default_rng(0)
    write_image(d / "paint.png", (rng.random((40, 56, 3)) * 255).astype(np.uint8))
    return d


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_a_split_writes_the_report(inputs, tmp_path, capsys):
    out = tmp_path / "report"
    code, _, err = run(
        capsys, "evaluate", "--data", inputs / "split", "--out", out,
        "--checkpoint", inputs / "tiny.safetensors", "--baselines", METHODS, "--device", "cpu",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads((out / "report.json").read_text())
    methods = {r["method"] for r in doc["results"]}
    assert methods == set(METHODS.split(",")) | {"ground-truth"}
    assert {r["group"] for r in doc["results"]} == {"keyframe", "style", "all"}
    ident = next(r for r in doc["results"] if r["method"] == "identity" and r["group"] == "all")
    for key in ("psnr", "ssim", "fd", "kid", "mfd", "cfdci", "warp", "s_per_frame"):
        assert ident[key] is not None and np.isfinite(ident[key]), key
    assert ident["cfdci"] > 0.99  # the footage follows its own motion
    gt = next(r for r in doc["results"] if r["method"] == "ground-truth" and r["group"] == "all")
    assert gt["psnr"] is None and gt["warp"] is not None
    assert doc["extractor"]["standard"] is False and "FID" != doc["extractor"]["name"]
    md = (out / "report.md").read_text()
    assert "FD* ↓" in md and "| flow-warp |" in md and doc["extractor"]["name"] in md
    for f in ("metrics.png", "samples_keyframe.png", "samples_style.png"):
        assert (out / f).stat().st_size > 0
    assert not list(tmp_path.glob(".*partial*"))


def test_evaluate_real_footage_has_only_no_reference_columns(inputs, tmp_path, capsys):
    out = tmp_path / "real"
    code, _, err = run(
        capsys, "evaluate", "--data", inputs / "clip.mp4", "--painting", inputs / "paint.png",
        "--keyframe", "2", "--out", out, "--checkpoint", inputs / "tiny.safetensors",
        "--baselines", "identity,flow-warp,camfuse", "--size", "64", "--device", "cpu",
    )  # fmt: skip
    assert code == 0, err
    doc = json.loads((out / "report.json").read_text())
    assert {r["group"] for r in doc["results"]} == {"keyframe", "all"}
    for r in doc["results"]:
        assert r["psnr"] is None and "fd" not in r
        assert 0 <= r["mfd"] <= 1 and -1 <= r["cfdci"] <= 1 and r["warp"] >= 0
    assert "PSNR" not in (out / "report.md").read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data", "{d}/nowhere"], "not found"),
        (["--data", "{d}/clip.mp4"], "--painting"),
        (["--data", "{d}/split", "--painting", "{d}/paint.png"], "real footage"),
        (["--data", "{d}/split", "--baselines", "identity,nonsense"], "nonsense"),
        (["--data", "{d}/split", "--inception-weights", "{d}/missing.pth"], "missing.pth"),
    ],
)
def test_bad_arguments_are_one_line_errors(inputs, tmp_path, capsys, args, message):
    argv = [a.format(d=inputs) for a in args]
    out = tmp_path / "r"
    code, _, err = run(
        capsys, "evaluate", *argv, "--out", out, "--checkpoint", inputs / "tiny.safetensors"
    )
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not out.exists() and not list(tmp_path.glob(".*"))


def test_existing_report_needs_overwrite(inputs, tmp_path, capsys):
    out = tmp_path / "r"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code, _, err = run(
        capsys, "evaluate", "--data", inputs / "split", "--out", out, "--baselines", "identity"
    )
    assert code == 2 and "--overwrite" in err
    assert (out / "keep.txt").read_text() == "mine"


def test_runner_groups_by_role_and_times_methods(inputs):
    clips = split_clips(inputs / "split")

    class Slow:
        name, label = "copy", "returns the footage"

        def __call__(self, painting, footage, *, keyframe):
            return footage.clone()

    results = evaluate(clips, [Slow()])
    by = {(r.method, r.group): r for r in results}
    assert by[("copy", "all")].clips == 4 and by[("copy", "keyframe")].clips == 2
    assert by[("copy", "all")].frames == 16 and by[("copy", "all")].s_per_frame > 0
    assert by[("ground-truth", "all")].seconds == 0.0
    # the ground truth is a painted copy of the footage: better fusion than the footage itself
    assert by[("ground-truth", "all")].metrics["mfd"] > by[("copy", "all")].metrics["mfd"]
