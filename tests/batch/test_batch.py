"""``camfuse batch`` on a local Ray instance with 2 workers: three shots, one with a bad input;
the good ones are rendered, the bad one is reported with its row, the exit code says so, and a
rerun skips the finished shots."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

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


def _one_error(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _batch_args(project, manifest, out):
    return ["batch", manifest, "--out", out, "--workers", 1,
            "--checkpoint", project / "tiny.safetensors", "--device", "cpu"]  # fmt: skip


@pytest.mark.parametrize(
    "name, message",
    [
        ("../../escape", r"row 2: name '\.\./\.\./escape' holds a path separator"),
        ("a/b", r"row 2: name 'a/b' holds a path separator"),
    ],
)
def test_a_name_that_is_a_path_is_refused_before_anything_runs(project, tmp_path, capsys,
                                                               name, message):  # fmt: skip
    deep = tmp_path / "x" / "y"
    deep.mkdir(parents=True)
    manifest = deep / "shots.yaml"
    manifest.write_text(
        "defaults: {adapt: 'off'}\nshots:\n"
        f"  - {{name: sh010, footage: {project / 'a.mp4'}, keyframe: 0, painting: {project / 'a0.png'}}}\n"
        f"  - {{name: '{name}', footage: {project / 'a.mp4'}, keyframe: 0, painting: {project / 'a0.png'}}}\n"
    )
    code, _, err = run(capsys, *_batch_args(project, manifest, deep / "out"))
    assert code == 2
    assert re.fullmatch(f"error: {message}; a name must be a plain file name", _one_error(err))
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["shots.yaml", "x", "y"]  # no output


def test_a_missing_footage_refuses_the_whole_manifest(project, tmp_path, capsys):
    manifest = tmp_path / "shots.csv"
    manifest.write_bytes(  # as a spreadsheet saves it: UTF-8 with a byte-order mark
        b"\xef\xbb\xbfname,footage,style,painting,adapt\n"
        + f"sh010,{project / 'a.mp4'},true,{project / 'ref.png'},off\n"
        f"sh020,{tmp_path / 'gone.mp4'},true,{project / 'ref.png'},off\n".encode()
    )
    code, _, err = run(capsys, *_batch_args(project, manifest, tmp_path / "out"))
    assert code == 2
    assert _one_error(err) == f"error: row 3 (sh020): footage {tmp_path / 'gone.mp4'} not found"
    assert not (tmp_path / "out").exists()  # nothing ran, not even the good shot


def test_ray_keeps_its_notices_off_the_terminal(project, tmp_path):
    manifest = tmp_path / "shots.yaml"
    manifest.write_text(
        "shots:\n"
        f"  - {{name: sh010, footage: {project / 'b.mp4'}, style: true, painting: {project / 'ref.png'}, adapt: 'off'}}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}  # Ray's defaults
    args = [str(a) for a in _batch_args(project, manifest, tmp_path / "out")]
    done = subprocess.run([sys.executable, "-m", "camfuse", *args], capture_output=True, text=True,
                          env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # no Ray start-up notice, no progress (not a terminal)
    assert (tmp_path / "out" / ".camfuse-batch" / "ray.log").is_file()
