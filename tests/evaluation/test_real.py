"""`camfuse evaluate` on a tiny real-footage split: the columns, the groups, the rows, bad inputs."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from camfuse.data.real import write_real_split
from camfuse.evaluation.real import build_rows
from tests.cli.common import run

ROWS = "flow-warp,static-keyframe"  # no model: seconds


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("real-eval")
    return write_real_split(d / "split", clips=["carphone"], painters=["cel", "pencil"], frames=3)


def _evaluate(split: Path, out: Path, rows: str) -> tuple[dict, str]:
    from camfuse.cli import main

    code = main(
        ["evaluate", "--data", str(split), "--out", str(out), "--baselines", rows,
         "--adapt", "off", "--device", "cpu"]
    )  # fmt: skip
    assert code == 0
    return json.loads((out / "report.json").read_text()), (out / "report.md").read_text()


@pytest.fixture(scope="module")
def report(split, tmp_path_factory) -> tuple[dict, str]:
    return _evaluate(split, tmp_path_factory.mktemp("real-report") / "report", ROWS)


def _row(doc: dict, method: str, group: str = "all") -> dict:
    return next(r for r in doc["results"] if r["method"] == method and r["group"] == group)


def test_report_has_the_columns_rows_and_groups(report):
    doc, md = report
    assert {r["method"] for r in doc["results"]} == {*ROWS.split(","), "ground-truth"}
    assert {r["group"] for r in doc["results"]} == {
        "clip:carphone",
        "painter:cel",
        "painter:pencil",
        "all",
    }
    for method in ROWS.split(","):
        r = _row(doc, method)
        assert r["clips"] == 2 and r["frames"] == 6
        for key in ("psnr", "ssim", "detail", "warp", "s_per_frame"):
            assert r[key] is not None, (method, key)
    for header in ("PSNR", "SSIM", "detail ratio", "warp err", "s/frame"):
        assert header in md
    assert "## painter pencil" in md and "## clip carphone" in md
    assert "ebsynth" not in md  # named rows only: no skip note
    assert doc["held_out"]["painters"] == ["watercolour"]


def test_the_numbers_mean_what_they_say(report):
    doc, _ = report
    flow, still = _row(doc, "flow-warp"), _row(doc, "static-keyframe")
    gt = _row(doc, "ground-truth")
    assert gt["psnr"] is None and gt["warp"] > 0  # the per-frame painter flickers
    assert still["warp"] > flow["warp"]  # a still frame does not follow the footage's motion
    assert 0.3 < flow["detail"] < 1.5 and 0 < flow["ssim"] <= 1


def test_render_rows_at_256_px_and_full_size(split, tmp_path):
    """The bundled model through camfuse.render.render, both resolutions (9-18 s on 2 cores)."""
    doc, md = _evaluate(split, tmp_path / "r", "camfuse-256,camfuse-noadapt")
    small, full = _row(doc, "camfuse-256"), _row(doc, "camfuse-noadapt")
    assert small["frames"] == full["frames"] == 6
    assert "--adapt off" in small["label"] and "256 px" in small["label"]
    for key in ("psnr", "ssim", "detail", "warp", "s_per_frame"):
        assert small[key] is not None and full[key] is not None, key


def test_all_skips_ebsynth_with_a_note_when_unset(monkeypatch):
    monkeypatch.delenv("CAMFUSE_EBSYNTH", raising=False)
    rows, notes = build_rows("all", adapt="off")
    assert [r.name for r in rows] == ["camfuse", "camfuse-network-on", "camfuse-256", "flow-warp"]
    assert len(notes) == 1 and "CAMFUSE_EBSYNTH" in notes[0]
    with pytest.raises(ValueError, match="CAMFUSE_EBSYNTH"):
        build_rows(["ebsynth"])


def test_ebsynth_row_runs_the_binary_per_frame(split, tmp_path, monkeypatch):
    """A stand-in binary that copies the target frame: the row's plumbing, not EbSynth itself."""
    fake = tmp_path / "ebsynth"
    fake.write_text(
        "#!/bin/sh\n"
        '[ "$1" = -style ] && [ "$3" = -guide ] && [ "$6" = -output ] || exit 3\n'
        'cp "$5" "$7"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("CAMFUSE_EBSYNTH", str(fake))
    from camfuse.evaluation.real import evaluate_real

    (row,), _ = build_rows(["ebsynth"])
    results = evaluate_real(split, [row], max_clips=1, reference=False)
    r = next(r for r in results if r.group == "all")
    assert r.frames == 3 and r.metrics["detail"] is not None
    monkeypatch.setenv("CAMFUSE_EBSYNTH", str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="not an executable"):
        build_rows(["ebsynth"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--baselines", "camfuse-per-frame"], "unknown row(s) camfuse-per-frame for a real split"),
        (["--baselines", "flow-warp,flow-warp"], "named twice"),
        (["--adapt", "sometimes"], "--adapt must be auto, off or a number"),
        (["--keyframe", "0"], "do not apply to a real split"),
        (["--max-clips", "0"], "--max-clips must be >= 1"),
    ],
)
def test_bad_inputs_are_one_error_line(split, tmp_path, capsys, args, message):
    code, _, err = run(capsys, "evaluate", "--data", split, "--out", tmp_path / "r", *args)
    assert code == 2 and err.startswith("error: ") and len(err.splitlines()) == 1, err
    assert message in err, err
    assert not (tmp_path / "r").exists()


def test_adapt_on_a_synthetic_split_sets_the_budget_and_refuses_off(tmp_path, capsys):
    from camfuse.data.splits import write_split

    data = write_split(tmp_path / "syn", samples=1, frames=2, size=32, seed=0)
    code, _, err = run(
        capsys, "evaluate", "--data", data, "--out", tmp_path / "r", "--adapt", "off"
    )
    assert code == 2 and "--adapt off: leave the -adapted rows out" in err, err
    code, _, err = run(capsys, "evaluate", "--data", data, "--out", tmp_path / "r", "--adapt", "-3")
    assert code == 2 and err.startswith("error: ") and len(err.splitlines()) == 1, err
