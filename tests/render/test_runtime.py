"""`camfuse render --runtime onnx`: exported once per size into the cache, same frames as PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from camfuse.checkpoint import save_checkpoint
from camfuse.cli import main
from camfuse.config import load_config
from camfuse.media import iter_frames, probe_footage, write_image
from camfuse.models import CamFuse
from camfuse.render import render
from tests.footage import make_clip


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("runtime")
    cfg = load_config("tiny").with_overrides(["model.sampling=true"])
    torch.manual_seed(0)
    model = CamFuse(cfg.model)
    torch.nn.init.normal_(model.head.rgb.weight, std=0.3)  # an untrained head is zero: wake it
    ckpt = save_checkpoint(d / "tiny", model, cfg, note="random init")
    clip = make_clip(d / "clip.mp4", n=7, w=64, h=48)
    painting = d / "painting.png"
    write_image(painting, np.full((48, 64, 3), (200, 90, 40), np.uint8))
    return ckpt, clip, painting


def _frames(path):
    return np.stack(list(iter_frames(path, probe_footage(path).frames))).astype(int)


def test_onnx_runtime_renders_what_torch_renders_and_caches_the_export(
    inputs, tmp_path, monkeypatch
):
    ckpt, clip, painting = inputs
    monkeypatch.setenv("CAMFUSE_CACHE", str(tmp_path / "cache"))
    # the network on: a paint-over's default render (--network auto) runs none, torch or onnx
    kw = {"keyframe": 2, "checkpoint": ckpt, "device": "cpu", "network": "on"}
    render(painting, clip, tmp_path / "torch.mp4", precision="fp32", **kw)  # onnx runs fp32
    render(painting, clip, tmp_path / "onnx.mp4", runtime="onnx", **kw)
    a, b = _frames(tmp_path / "torch.mp4"), _frames(tmp_path / "onnx.mp4")
    # the same frames up to H.264: a 1e-5 difference in the network can flip one of x264's
    # decisions and move a few pixels by 3 (seen once in a full run); on average nothing moves
    d = np.abs(a - b)
    assert a.shape == b.shape and d.max() <= 4 and d.mean() < 0.1, (d.max(), d.mean())
    (entry,) = (tmp_path / "cache" / "onnx").iterdir()
    stamp = (entry / "frames.onnx").stat().st_mtime_ns
    render(painting, clip, tmp_path / "again.mp4", runtime="onnx", **kw)
    assert (entry / "frames.onnx").stat().st_mtime_ns == stamp  # loaded, not re-exported
    assert list((tmp_path / "cache" / "onnx").iterdir()) == [entry]


def test_onnx_runtime_refuses_options_it_cannot_honour(inputs, tmp_path, capsys):
    ckpt, clip, painting = inputs
    base = ["render", "-p", str(painting), "-f", str(clip), "-k", "1", "-c", str(ckpt),
            "--device", "cpu"]  # fmt: skip
    for extra in (["--runtime", "onnx", "--compile"], ["--runtime", "onnx", "--precision", "bf16"],
                  ["--runtime", "tensorrt"]):  # fmt: skip
        assert main([*base, "-o", str(tmp_path / "x.mp4"), *extra]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "runtime" in err
    assert not (tmp_path / "x.mp4").exists()
