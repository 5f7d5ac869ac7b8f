"""Model files whose JSON was edited or damaged: one clear CheckpointError, never a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from camfuse.checkpoint import CheckpointError, load_model, read_meta, save_checkpoint
from camfuse.config import load_config
from camfuse.models import CamFuse


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> Path:
    torch.manual_seed(0)
    cfg = load_config("tiny")
    d = tmp_path_factory.mktemp("model")
    return save_checkpoint(d / "tiny", CamFuse(cfg.model), cfg, note="random init, for tests")


def edited(saved: Path, folder: Path, edit) -> Path:
    """A copy of the saved model whose JSON is ``edit(meta)`` (or ``edit`` itself, if text)."""
    weights = folder / saved.name
    shutil.copy(saved, weights)
    meta = json.loads(saved.with_suffix(".json").read_text())
    text = edit if isinstance(edit, str) else json.dumps(edit(meta))
    weights.with_suffix(".json").write_text(text)
    return weights


def section(name: str, **values):
    def edit(meta: dict) -> dict:
        meta["config"][name].update(values)
        return meta

    return edit


def replace(key: str, value):
    def edit(meta: dict) -> dict:
        meta["config"][key] = value
        return meta

    return edit


def drop_config(meta: dict) -> dict:
    del meta["config"]
    return meta


BAD = {
    "frames float": (section("data", frames=4.5), "data.frames must be an integer, got 4.5"),
    "frames string": (section("data", frames="4"), "data.frames must be an integer, got '4'"),
    "size string": (section("data", size="64"), "data.size must be an integer, got '64'"),
    "heads 0": (section("model", heads=0), "model.heads must be >= 1, got 0"),
    "reduction 0": (section("model", reduction=0), "model.reduction must be >= 1, got 0"),
    "negative width": (section("model", width=-32), "model.width must be >= 1, got -32"),
    "unknown attention": (section("model", attention="nope"), "model.attention must be one of"),
    "unknown key": (section("model", wdth=8), "unknown config field(s) ['wdth'] in model"),
    "section list": (replace("model", [1, 2]), "config section 'model' must be a mapping"),
    "section null": (replace("data", None), "config section 'data' must be a mapping, got null"),
    "config list": (lambda m: {**m, "config": []}, "config must be a mapping, got a list"),
    "config null": (lambda m: {**m, "config": None}, "config must be a mapping, got null"),
    "no config": (drop_config, "has no 'config'"),
    "sha256 list": (lambda m: {**m, "sha256": [1]}, "sha256 must be a string"),
    "json list": ("[1, 2]", "must be a JSON object, got a list"),
    "json null": ("null", "must be a JSON object, got null"),
    "json number": ("3", "must be a JSON object, got an integer"),
    "json deep": ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "json broken": ('{"config": ', "not valid JSON"),
    "json huge int": ('{"config": ' + "1" * 5000 + "}", "not valid JSON"),
}


@pytest.mark.parametrize("edit, message", BAD.values(), ids=BAD.keys())
def test_edited_config_is_one_clear_error(saved, tmp_path, edit, message):
    path = edited(saved, tmp_path, edit)
    for load in (load_model, read_meta):  # read_meta: what a render plan reads
        with pytest.raises(CheckpointError, match="model config") as info:
            load(path)
        assert message in str(info.value) and "\n" not in str(info.value), info.value


def test_weights_of_another_size_fail_before_allocating(saved, tmp_path):
    """A config claiming a huge model is compared with the file's shapes before any allocation."""
    path = edited(saved, tmp_path, section("model", width=2**20, heads=1))
    with pytest.raises(CheckpointError, match="does not match its config"):
        load_model(path)
    path = edited(saved, tmp_path, section("model", width=2**40, heads=1))
    with pytest.raises(CheckpointError, match="is invalid: Storage size calculation overflowed"):
        load_model(path)


def test_the_trunks_initial_weights_are_never_read(saved, tmp_path):
    """The file's tensors replace the backbone's initialisation, so that is not loaded at all."""
    (tmp_path / "garbage.pth").write_bytes(b"not a state dict")
    path = edited(saved, tmp_path, section("model", weights=str(tmp_path / "garbage.pth")))
    model, cfg = load_model(path)
    original, _ = load_model(saved)
    assert cfg.model.weights == str(tmp_path / "garbage.pth")
    for (k, a), (_, b) in zip(
        model.state_dict().items(), original.state_dict().items(), strict=True
    ):
        assert torch.equal(a, b), k


@pytest.mark.parametrize("name", ["heads 0", "json deep", "section list"])
def test_render_with_a_bad_model_file_is_one_line(saved, tmp_path, capsys, name):
    from camfuse.cli import main
    from camfuse.media import write_image

    edit, message = BAD[name]
    path = edited(saved, tmp_path, edit)
    rng = np.random.default_rng(0)
    (tmp_path / "shot").mkdir()
    for i in range(3):
        write_image(
            tmp_path / "shot" / f"{i}.png", (rng.random((36, 44, 3)) * 255).astype(np.uint8)
        )
    write_image(tmp_path / "paint.png", (rng.random((36, 44, 3)) * 255).astype(np.uint8))
    out = tmp_path / "out.mp4"
    argv = ["render", "--painting", tmp_path / "paint.png", "--footage", tmp_path / "shot"]
    argv += ["--out", out, "--style", "--checkpoint", path, "--device", "cpu"]
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
    assert message in err and "Traceback" not in err and not out.exists()
