"""A split's manifest.json, edited or damaged: one clear error from the one reader, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from camfuse.data.datasets import DiskDataset, read_manifest
from camfuse.data.splits import write_split
from camfuse.media import write_image

FRAMES, SIZE = 2, 32


@pytest.fixture(scope="module")
def split(tmp_path_factory) -> Path:
    return write_split(
        tmp_path_factory.mktemp("data") / "split", samples=2, frames=FRAMES, size=SIZE, seed=0
    )


def edited(split: Path, folder: Path, edit) -> Path:
    """A copy of ``split`` whose manifest is ``edit(manifest)`` (or ``edit`` itself, if text)."""
    out = folder / "split"
    shutil.copytree(split, out)
    manifest = json.loads((split / "manifest.json").read_text())
    text = edit if isinstance(edit, str) else json.dumps(edit(manifest))
    (out / "manifest.json").write_text(text)
    return out


def top(**values):
    return lambda m: {**m, **values}


def drop(key: str):
    return lambda m: {k: v for k, v in m.items() if k != key}


def sample(i: int, **values):
    def edit(m: dict) -> dict:
        m["samples"][i].update(values)
        return m

    return edit


def drop_from_sample(key: str):
    def edit(m: dict) -> dict:
        del m["samples"][0][key]
        return m

    return edit


BAD = {
    "list": ("[1, 2]", "must be a JSON object, got a list"),
    "null": ("null", "must be a JSON object, got null"),
    "not json": ('{"samples": [', "is not valid JSON"),
    "deep": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "no samples": (drop("samples"), "has no 'samples'"),
    "no frames": (drop("frames"), "has no 'frames'"),
    "no size": (drop("size"), "has no 'size'"),
    "other format": (top(format="onnx"), "not a camfuse data split"),
    "other version": (top(version=2), "version 2"),
    "frames string": (top(frames="2"), "frames must be an integer, got '2'"),
    "frames float": (top(frames=2.0), "frames must be an integer, got 2.0"),
    "frames 0": (top(frames=0), "frames must be >= 1, got 0"),
    "size bool": (top(size=True), "size must be an integer, got True"),
    "seed string": (top(seed="0"), "seed must be an integer, got '0'"),
    "samples mapping": (top(samples={"a": 1}), "samples must be a list, got a mapping"),
    "sample list": (top(samples=[[1]]), "samples[0] must be a mapping, got a list"),
    "unknown role": (sample(1, role="painted"), "samples[1].role must be one of keyframe, style"),
    "role missing": (drop_from_sample("role"), "samples[0] has no 'role'"),
    "dir number": (sample(0, dir=3), "samples[0].dir must be a string, got 3"),
    "dir outside": (sample(0, dir="../x"), "samples[0].dir must be a folder name, got '../x'"),
    "keyframe string": (sample(0, keyframe="1"), "samples[0].keyframe must be an integer"),
    "keyframe range": (sample(0, keyframe=FRAMES), "samples[0].keyframe must be in [0, 1]"),
    "style keyframe": (sample(1, keyframe=0), "samples[1].keyframe must be -1 (style), got 0"),
    "seed huge": (sample(0, seed=2**70), "samples[0].seed must be in [0, 2**63)"),
    "painter list": (sample(0, painter=["oil"]), "samples[0].painter must be a string"),
    "params list": (sample(0, params=[]), "samples[0].params must be a mapping, got a list"),
}


@pytest.mark.parametrize("edit, message", BAD.values(), ids=BAD.keys())
def test_bad_manifest_is_one_clear_error(split, tmp_path, edit, message):
    root = edited(split, tmp_path, edit)
    for read in (read_manifest, DiskDataset):
        with pytest.raises(ValueError, match="manifest") as info:
            read(root)
        assert message in str(info.value) and "\n" not in str(info.value), info.value


def test_a_good_manifest_reads_back(split):
    manifest = read_manifest(split)
    assert (manifest["frames"], manifest["size"], len(manifest["samples"])) == (FRAMES, SIZE, 2)
    assert len(DiskDataset(split)) == 2


def test_a_split_from_before_seen_masks_still_reads(split, tmp_path):
    root = edited(split, tmp_path, lambda m: m)
    assert read_manifest(root)["version"] == 1  # seen/ needed no new manifest version
    fresh = DiskDataset(root)[0]
    assert fresh["seen"].shape == (FRAMES, 1, SIZE, SIZE) and fresh["seen"].any()
    for d in root.glob("*/seen"):
        shutil.rmtree(d)
    old = DiskDataset(root)[0]
    assert old["seen"] is None and torch.equal(old["target"], fresh["target"])


def test_broken_sample_files_are_one_clear_error(split, tmp_path):
    root = edited(split, tmp_path, lambda m: m)
    np.save(root / "000000" / "flow.npy", np.zeros((1, 2, SIZE, SIZE + 1), np.float16))
    (root / "000001" / "flow.npy").write_bytes(b"not numpy")
    data = DiskDataset(root)
    with pytest.raises(ValueError, match=r"flow.npy holds shape \(1, 2, 32, 33\), expected"):
        data[0]
    with pytest.raises(ValueError, match="cannot read .*flow.npy"):
        data[1]
    write_image(root / "000001" / "painting.png", np.zeros((SIZE, SIZE + 8, 3), np.uint8))
    with pytest.raises(ValueError, match="painting.png is 40x32; the split's manifest says 32x32"):
        data[1]


@pytest.mark.parametrize("name", ["list", "deep", "unknown role", "frames string", "no samples"])
def test_evaluate_on_a_bad_split_is_one_line(split, tmp_path, capsys, name):
    from camfuse.cli import main

    edit, message = BAD[name]
    root = edited(split, tmp_path, edit)
    out = tmp_path / "report"
    code = main(["evaluate", "--data", str(root), "--out", str(out), "--device", "cpu"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err and "Traceback" not in err and not out.exists()
