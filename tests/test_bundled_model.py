"""The model shipped in the package: it loads, says what it is, renders, and rejects corruption."""

import json
import shutil

import numpy as np
import pytest
from safetensors import safe_open

from camfuse.checkpoint import DEFAULT_MODEL, CheckpointError, load_model, read_meta
from camfuse.media import frame_files, probe_footage, read_image, write_image
from camfuse.render import render
from tests.footage import noise_pan


def test_bundled_model_loads_and_describes_itself():
    model, cfg = load_model(None)
    meta = read_meta(DEFAULT_MODEL)
    assert meta["note"] and meta["dtype"] == "float16"
    assert (
        meta["training"]["val/psnr"] > meta["training"]["val/psnr_identity"]
    )  # it learned something
    with safe_open(str(DEFAULT_MODEL), "pt") as f:
        assert all(f.get_tensor(k).dtype.is_floating_point for k in list(f.keys())[:5])
    assert DEFAULT_MODEL.stat().st_size < 60e6
    assert sum(p.numel() for p in model.parameters()) > 1e6 and cfg.name


def test_bundled_model_renders_a_short_clip(tmp_path):
    base, footage = noise_pan(tmp_path, frames=5, seed=0), tmp_path / "shot"
    write_image(tmp_path / "paint.png", base[:, ::-1].copy())
    summary = render(
        tmp_path / "paint.png", footage, tmp_path / "out.mp4", keyframe=0, size=64, device="cpu"
    )
    info = probe_footage(tmp_path / "out.mp4")
    assert (info.frames, info.size) == (5, "64x48") and summary.frames == 5


def test_bundled_model_needs_no_window_overlap(tmp_path):
    """The default overlap (none, render/windows.py) rests on this: with the bundled model,
    crossfading overlapping windows renders the same frames as windows side by side."""
    base, footage = noise_pan(tmp_path, frames=10, seed=1), tmp_path / "shot"
    write_image(tmp_path / "paint.png", base[:, ::-1].copy())
    outs = {}
    for overlap in (0, 2):
        out = tmp_path / f"o{overlap}"
        render(tmp_path / "paint.png", footage, f"{out}/", keyframe=0, size=64, device="cpu",
               window=4, overlap=overlap)  # fmt: skip
        outs[overlap] = np.stack([read_image(p) for p in frame_files(out)]).astype(int)
    assert outs[0].shape == (10, 48, 64, 3)
    assert np.abs(outs[0] - outs[2]).max() <= 1


def test_corrupted_copy_is_rejected(tmp_path):
    copy = tmp_path / "default.safetensors"
    shutil.copy(DEFAULT_MODEL, copy)
    shutil.copy(DEFAULT_MODEL.with_suffix(".json"), tmp_path / "default.json")
    data = bytearray(copy.read_bytes())
    data[-100] ^= 0x55
    copy.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_model(copy)
    meta = json.loads((tmp_path / "default.json").read_text())
    meta["config"]["model"]["width"] = 64
    meta.pop("sha256")
    (tmp_path / "default.json").write_text(json.dumps(meta))
    shutil.copy(DEFAULT_MODEL, copy)
    with pytest.raises(CheckpointError, match="does not match"):
        load_model(copy)
