"""ONNX export + onnxruntime runner: equal to PyTorch in both roles and as a drop-in for the
streaming renderer; corrupt, edited or mismatched folders and wrong shapes fail with one clear
line; ``camfuse export`` writes a checked folder and never replaces one silently."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from camfuse.checkpoint import CheckpointError
from camfuse.cli import main
from camfuse.config import load_config
from camfuse.models import CamFuse
from camfuse.onnx.export import FRAMES, MANIFEST, PAINTING, export_onnx
from camfuse.onnx.runner import OnnxModel
from tests.motion import translating_clip

S, T = 64, 3  # export size (square) and window
ATOL = 1e-4


def tiny_model(sampling: bool, max_tokens: int = 1024) -> CamFuse:
    """A tiny random model whose every input visibly matters: the zero-initialised sampling head,
    keyframe marker and role scale are jittered, and the head's gain raised (a random head
    renders a flat 0.5 grey that hides the conditioning), so a graph that froze them cannot pass."""
    cfg = load_config("tiny").with_overrides(
        [f"model.sampling={str(sampling).lower()}", f"model.max_tokens={max_tokens}"]
    )
    torch.manual_seed(0)
    model = CamFuse(cfg.model).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
        model.decoder.keyframe.normal_(0, 1)
        for conv in model.head.modules():
            if isinstance(conv, torch.nn.Conv2d):
                conv.weight.mul_(3)
    return model


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "sampling-pooled"])
def exported(request, tmp_path_factory) -> tuple[CamFuse, OnnxModel, Path]:
    """The sampling model also has max_tokens=8 < its 16 tokens a frame: pooled decoder keys and
    a painting encoded at 32x32 (render.painting_size), the large-frame path at test cost."""
    model = tiny_model(request.param, max_tokens=8 if request.param else 1024)
    out = export_onnx(
        model, out_dir=tmp_path_factory.mktemp("onnx") / "tiny", size=(S, S), window=T
    )
    return model, OnnxModel.load(out, threads=1), out


def inputs(onnx: OnnxModel, seed: int = 1) -> dict:
    g = torch.Generator().manual_seed(seed)
    pw, ph = onnx.painting_size
    return {
        "painting": torch.rand(1, 3, ph, pw, generator=g),
        "footage": torch.rand(1, T, 3, S, S, generator=g),
        "guide": torch.rand(1, T, 7, S, S, generator=g) if onnx.cfg.sampling else None,
    }


def test_encode_painting_matches(exported):
    model, onnx, _ = exported
    x = inputs(onnx)["painting"]
    with torch.no_grad():
        ours = model.encode_painting(x)
    theirs = onnx.encode_painting(x)
    assert onnx.painting_size == ((32, 32) if model.cfg.max_tokens < 16 else (S, S))
    assert [m.shape for m in theirs.maps] == [m.shape for m in ours.maps]
    for a, b in zip(ours.maps, theirs.maps, strict=True):
        torch.testing.assert_close(b, a, atol=ATOL, rtol=0)
    assert theirs.pixels is x


@pytest.mark.parametrize("role, keyframe", [(0, 1), (0, T - 1), (1, -1)])
def test_frames_match_both_roles(exported, role, keyframe):
    model, onnx, _ = exported
    x = inputs(onnx)
    cond = {"role": torch.tensor([role]), "strength": torch.tensor([0.7]), "guide": x["guide"]}
    with torch.no_grad():
        ours = model(x["painting"], x["footage"], keyframe=torch.tensor([keyframe]), **cond)
        # role 0: another keyframe; role 1: the same clip as a paint-over without its keyframe
        changed = {"keyframe": torch.tensor([0])} if role == 0 else {"role": torch.tensor([0])}
        other = model(
            x["painting"], x["footage"], **{**cond, "keyframe": torch.tensor([-1]), **changed}
        )
    theirs = onnx(x["painting"], x["footage"], keyframe=torch.tensor([keyframe]), **cond)
    assert theirs.frames.shape == (1, T, 3, S, S) and theirs.frames.dtype == torch.float32
    torch.testing.assert_close(theirs.frames, ours.frames, atol=ATOL, rtol=0)
    # the conditioning reaches the output, so the match above is not vacuous
    assert (ours.frames - other.frames).abs().max() > 100 * ATOL


def test_precomputed_features_and_defaults(exported):
    """Features from encode_painting (as the renderer passes them) and strength/keyframe left out."""
    model, onnx, _ = exported
    x = inputs(onnx, seed=2)
    with torch.no_grad():
        ours = model(x["painting"], x["footage"], role=torch.tensor([1]), guide=x["guide"])
    feats = onnx.encode_painting(x["painting"])
    theirs = onnx(
        None, x["footage"], role=torch.tensor([1]), painting_features=feats, guide=x["guide"]
    )
    torch.testing.assert_close(theirs.frames, ours.frames, atol=ATOL, rtol=0)


def test_drop_in_for_the_streaming_renderer(exported):
    from camfuse.render import stylise

    model, onnx, _ = exported
    footage, painted = translating_clip(frames=4, size=S)
    to_uint8 = lambda x: (x * 255).round().to(torch.uint8).movedim(-3, -1).numpy()  # noqa: E731
    frames, painting = to_uint8(footage), to_uint8(painted[1])
    kw = dict(total=4, out_size=(S, S), size=(S, S), keyframe=1, window=T, overlap=1)
    ours = list(stylise(model, painting, iter(frames), **kw))
    theirs = list(stylise(onnx, painting, iter(frames), **kw))
    assert len(theirs) == 4 and theirs[0].shape == (S, S, 3)
    assert (
        max(np.abs(a.astype(int) - b.astype(int)).max() for a, b in zip(ours, theirs, strict=True))
        <= 1
    )
    assert onnx.device == torch.device("cpu") and onnx.cfg == model.cfg


def test_wrong_shapes_name_the_export(exported):
    model, onnx, _ = exported
    x = inputs(onnx)
    with pytest.raises(ValueError, match=rf"made for {S}x{S} frames in windows of {T}"):
        onnx.encode_painting(torch.rand(1, 3, 48, 48))
    with pytest.raises(ValueError, match="camfuse export --size"):
        onnx(x["painting"], torch.rand(1, T, 3, S, 2 * S), role=torch.tensor([1]), guide=x["guide"])
    with pytest.raises(ValueError, match=rf"windows of {T}"):
        onnx(x["painting"], x["footage"][:, :2], role=torch.tensor([1]), guide=x["guide"])
    if model.cfg.sampling:
        with pytest.raises(ValueError, match="guide"):
            onnx(x["painting"], x["footage"], role=torch.tensor([1]))


def flip_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def edit_manifest(change):
    def edit(folder: Path) -> None:
        info = json.loads((folder / MANIFEST).read_text())
        change(info)
        (folder / MANIFEST).write_text(json.dumps(info))

    return edit


BROKEN = {  # damage -> the file the message must name, and what it must say
    "corrupt painting": (lambda d: flip_bytes(d / PAINTING), PAINTING, "corrupt"),
    "corrupt frames": (lambda d: flip_bytes(d / FRAMES), FRAMES, "corrupt"),
    "missing frames": (lambda d: (d / FRAMES).unlink(), FRAMES, "not found"),
    "missing manifest": (lambda d: (d / MANIFEST).unlink(), MANIFEST, "not a `camfuse export`"),
    "not json": (lambda d: (d / MANIFEST).write_text("{oops"), MANIFEST, "not valid JSON"),
    "edited window": (edit_manifest(lambda i: i.update(window=T + 1)), MANIFEST, "mismatched"),
    "edited size": (edit_manifest(lambda i: i.update(size=[S, S + 16])), MANIFEST, "mismatched"),
    "edited painting size": (
        edit_manifest(lambda i: i.update(painting_size=[S + 16, S])),
        MANIFEST,
        "mismatched",
    ),
    "edited model": (edit_manifest(lambda i: i["model"].update(wdth=8)), MANIFEST, "invalid"),
    "edited version": (edit_manifest(lambda i: i.update(version=99)), MANIFEST, "version 99"),
    "no checksums": (edit_manifest(lambda i: i.pop("sha256")), MANIFEST, "invalid"),
}


@pytest.mark.parametrize("damage", BROKEN, ids=list(BROKEN))
def test_load_rejects_broken_folders(exported, tmp_path, damage):
    *_, good = exported
    folder = Path(shutil.copytree(good, tmp_path / "copy"))
    OnnxModel.load(folder)  # the intact copy loads: the damage below is what fails
    change, name, message = BROKEN[damage]
    change(folder)
    with pytest.raises(CheckpointError, match=message) as info:
        OnnxModel.load(folder)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_missing_folder_is_a_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        OnnxModel.load(tmp_path / "nowhere")


def test_failed_export_leaves_nothing_and_keeps_the_models_mode(tmp_path, monkeypatch):
    import camfuse.onnx.export as export

    calls = []

    def fail_second(*args, **kwargs):
        calls.append(args[3])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    real = export._trace
    monkeypatch.setattr(export, "_trace", fail_second)
    model = tiny_model(False).train()
    with pytest.raises(RuntimeError, match="disk full"):
        export_onnx(model, out_dir=tmp_path / "out", size=(32, 32), window=2)
    assert calls == [
        ["painting"],
        ["footage", "map_s4", "map_s8", "map_s16", "pixels", "role", "strength", "keyframe"],
    ]
    assert list(tmp_path.iterdir()) == [] and model.training


def test_export_refuses_bad_arguments(tmp_path):
    model = tiny_model(False)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="exists; pass --overwrite"):
        export_onnx(model, out_dir=tmp_path / "taken", size=(S, S), window=T)
    with pytest.raises(ValueError, match="did not write"):
        export_onnx(model, out_dir=tmp_path / "taken", size=(S, S), window=T, overwrite=True)
    with pytest.raises(ValueError, match="multiple of 16"):
        export_onnx(model, out_dir=tmp_path / "a", size=(S, 40), window=T)
    with pytest.raises(ValueError, match="max_frames"):
        export_onnx(model, out_dir=tmp_path / "a", size=(S, S), window=99)
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    from camfuse.checkpoint import save_checkpoint

    cfg = load_config("tiny")
    torch.manual_seed(0)
    return save_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny", CamFuse(cfg.model), cfg)


def test_cli_export_writes_a_checked_folder(checkpoint, tmp_path, capsys):
    out = tmp_path / "onnx"
    args = ["export", "--onnx", out, "--checkpoint", checkpoint, "--window", "2"]
    assert main([str(a) for a in args]) == 0
    stdout, stderr = capsys.readouterr()
    assert stderr == "" and len(stdout.splitlines()) == 1
    assert f"exported {S}x{S} frames, window 2 -> {out}" in stdout  # size: the model's data.size
    diff = float(stdout.rsplit(":", 1)[1].strip(" )\n"))
    assert diff < ATOL
    info = json.loads((out / MANIFEST).read_text())
    assert info["size"] == [S, S] and info["window"] == 2 and info["sampling"] is False
    assert sorted(p.name for p in tmp_path.iterdir()) == ["onnx"]  # no partial folder left

    assert main([str(a) for a in args]) == 2  # exists: refused, one line, untouched
    stdout, stderr = capsys.readouterr()
    assert stdout == "" and stderr.count("\n") == 1 and "--overwrite" in stderr
    assert json.loads((out / MANIFEST).read_text()) == info

    wide = [*args, "--overwrite", "--size", "64", "--aspect", "2:1"]
    assert main([str(a) for a in wide]) == 0
    assert json.loads((out / MANIFEST).read_text())["size"] == [64, 32]
    capsys.readouterr()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--aspect", "wide"], "--aspect"),
        (["--size", "8"], "--size"),
        (["--window", "0"], "--window"),
    ],
)
def test_cli_export_bad_options(checkpoint, tmp_path, capsys, extra, message):
    args = ["export", "--onnx", tmp_path / "x", "--checkpoint", checkpoint, *extra]
    assert main([str(a) for a in args]) == 2
    _, stderr = capsys.readouterr()
    assert stderr.startswith("error:") and message in stderr and stderr.count("\n") == 1
    assert not (tmp_path / "x").exists()
