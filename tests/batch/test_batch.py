"""``camfuse batch`` on a local Ray instance with 2 workers: three shots, one with a bad input;
the good ones are rendered, the bad one is reported with its row, the exit code says so, and a
rerun skips the finished shots."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from camfuse.media import probe_footage, write_image
from tests.cli.common import run
from tests.footage import make_clip

pytest.importorskip("ray")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from camfuse.checkpoint import save_checkpoint
    from camfuse.config import load_config
    from camfuse.models import CamFuse

    d = tmp_path_factory.mktemp("batch")
    cfg = load_config("tiny").with_overrides(["model.sampling=true"])
    torch.manual_seed(0)
    save_checkpoint(d / "tiny", CamFuse(cfg.model), cfg, note="fresh")
    make_clip(d / "a.mp4", n=6, w=64, h=48)
    make_clip(d / "b.mp4", n=5, w=48, h=32)
    write_image(d / "a0.png", np.full((48, 64, 3), (200, 60, 40), np.uint8))
    write_image(d / "ref.png", np.full((40, 40, 3), (30, 90, 200), np.uint8))
    (d / "shots.yaml").write_text(
        "defaults: {adapt: 'off'}\n"
        "shots:\n"
        "  - {name: sh010, footage: a.mp4, keyframe: 0, painting: a0.png}\n"
        "  - {name: sh020, footage: a.mp4, keyframe: 9, painting: a0.png}\n"  # beyond 6 frames
        "  - {name: sh030, footage: b.mp4, style: true, painting: ref.png, out: sh030/}\n"
    )
    return d


def test_two_workers_render_the_good_shots_report_the_bad_one_and_resume(project, capsys):
    out = project / "out"
    args = ["batch", project / "shots.yaml", "--out", out, "--workers", 2,
            "--checkpoint", project / "tiny.safetensors", "--device", "cpu"]  # fmt: skip
    code, stdout, err = run(capsys, *args)
    assert code == 1, (stdout, err)
    assert "error: row 2 (sh020): keyframe 9 is out of range" in err
    a = probe_footage(out / "sh010.mp4")
    assert (a.frames, a.size) == (6, "64x48")
    frames = sorted((out / "sh030").iterdir())
    assert len(frames) == 5 and probe_footage(out / "sh030").size == "48x32"
    summary = json.loads((out / "batch-summary.json").read_text())
    status = {s["shot"]: (s["status"], s["row"], s["frames"]) for s in summary["shots"]}
    assert status == {"sh010": ("done", 1, 6), "sh020": ("failed", 2, 0), "sh030": ("done", 3, 5)}
    assert {s["worker"] for s in summary["shots"] if s["status"] == "done"} <= {0, 1}
    assert "sh020" in stdout and "failed" in stdout  # the summary table

    stamp = (out / "sh010.mp4").stat().st_mtime_ns
    code, stdout, _ = run(capsys, *args)
    assert code == 1
    summary = json.loads((out / "batch-summary.json").read_text())
    assert [s["status"] for s in summary["shots"]] == ["skipped", "failed", "skipped"]
    assert (out / "sh010.mp4").stat().st_mtime_ns == stamp  # not rendered again


def test_progress_counts_a_finished_shot_once():
    from camfuse.batch import Progress

    state = Progress(shots=2, done=1, frames_done=40, finished={"a"},
                     workers={0: ("b", 30, 60), 1: ("a", 40, 40)})  # fmt: skip
    assert state.frames == 70  # a's 40 (finished) + b's 30 so far; a's stale report not again
