"""The real-footage split: carphone cut down to 3 frames, written, read back, refused when bad."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from camfuse.data.painters import paint, sample_params
from camfuse.data.real import (
    HELD_OUT,
    is_real_split,
    read_frames,
    read_real_manifest,
    stroke_scale,
    write_real_split,
)
from camfuse.media import bundled_clip, iter_frames, read_image
from tests.cli.common import run

FRAMES = 3


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("real") / "split"
    return write_real_split(
        out, clips=["carphone"], painters=["oil", "watercolour"], frames=FRAMES, keyframe=1
    )


def test_layout_and_manifest(split):
    m = read_real_manifest(split)
    assert is_real_split(split) and m["kind"] == "real" and m["frames"] == FRAMES
    assert m["held_out"] == HELD_OUT and "bigbuckbunny" in m["held_out"]["clips"]
    assert m["clips"]["carphone"] == {
        "source": "carphone_pristine.mp4",
        "width": 176,
        "height": 144,
        "footage": "carphone/footage",
    }
    assert [s["dir"] for s in m["samples"]] == ["carphone/oil", "carphone/watercolour"]
    assert [s["held_out"]["painter"] for s in m["samples"]] == [False, True]
    assert all(s["keyframe"] == 1 and s["params"]["scale"] == 176 / 256 for s in m["samples"])


def test_footage_is_the_clip_at_its_own_size(split):
    footage = read_frames(split / "carphone" / "footage", FRAMES)
    assert footage.shape == (FRAMES, 3, 144, 176)
    source = list(iter_frames(bundled_clip("carphone"), FRAMES))
    assert np.array_equal((footage[2].permute(1, 2, 0) * 255).round().byte().numpy(), source[2])


def test_every_frame_is_painted_on_its_own_with_the_same_strokes(split):
    m = read_real_manifest(split)
    entry = m["samples"][0]
    frame = next(iter(iter_frames(bundled_clip("carphone"), 1))).astype(np.float32) / 255
    again = (paint("oil", frame, entry["params"]) * 255 + 0.5).astype(np.uint8)
    assert np.array_equal(read_image(split / "carphone/oil/target/0000.png"), again)
    target = read_frames(split / "carphone/oil/target", FRAMES)
    footage = read_frames(split / "carphone/footage", FRAMES)
    assert not torch.equal(target, footage)
    # the paint-over is the painted keyframe, bit for bit
    assert np.array_equal(
        read_image(split / "carphone/oil/painting.png"),
        read_image(split / "carphone/oil/target/0001.png"),
    )


def test_params_depend_on_seed_clip_and_painter_only(tmp_path):
    out = write_real_split(tmp_path / "s", clips=["carphone"], painters=["oil"], frames=2)
    m = json.loads((out / "manifest.json").read_text())
    rng = np.random.default_rng(0)
    assert (
        m["samples"][0]["params"]["seed"] != sample_params("oil", rng)["seed"]
    )  # not the plain rng
    other = write_real_split(
        tmp_path / "t", clips=["carphone"], painters=["pencil", "oil"], frames=2
    )
    again = json.loads((other / "manifest.json").read_text())["samples"][1]["params"]
    assert again == m["samples"][0]["params"]


def test_stroke_scale_is_long_side_over_256():
    assert stroke_scale(1280, 720) == 5.0 and stroke_scale(144, 176) == 176 / 256


def test_a_synthetic_split_is_not_a_real_one(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"format": "camfuse-split"}))
    assert not is_real_split(tmp_path)
    with pytest.raises(ValueError, match="not a real-footage split"):
        read_real_manifest(tmp_path)


def test_cli_writes_a_split(capsys, tmp_path):
    out = tmp_path / "cli"
    args = ["--clips", "carphone", "--painters", "cel", "--frames", "2"]
    code, stdout, err = run(capsys, "data", "real", "--out", out, *args)
    assert code == 0, err
    assert "1 clips" in stdout and len(list((out / "carphone/cel/target").iterdir())) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clips", "moon"], "unknown clip 'moon'"),
        (["--painters", "crayon"], "unknown painter 'crayon'"),
        (["--clips", ","], "--clips names nothing"),
        (["--painters", "oil,oil"], "named twice"),
        (["--frames", "0"], "--frames must be in"),
        (["--frames", "2", "--keyframe", "2"], "--keyframe must be in [0, 1]"),
        (["--seed", "-1"], "--seed must be >= 0"),
        (["--clips", "carphone", "--frames", "121"], "clip carphone has 120 frames"),
    ],
)
def test_cli_bad_inputs(capsys, tmp_path, args, message):
    code, _, err = run(capsys, "data", "real", "--out", tmp_path / "x", *args)
    assert code == 2 and err.startswith("error: ") and len(err.splitlines()) == 1, err
    assert message in err, err
    assert not (tmp_path / "x").exists()


def test_cli_refuses_a_folder_in_use(capsys, tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    code, _, err = run(capsys, "data", "real", "--out", tmp_path / "x", "--clips", "carphone")
    assert code == 2 and "exists and is not an empty folder" in err
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
