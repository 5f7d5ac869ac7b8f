"""The artist's workflow through ``camfuse.render.render``: several keyframes (a keys folder),
masks, paint layers with alpha, ``--alpha`` output and frame ranges. Footage and outputs are PNG
folders, so "the footage passes through" can be checked bit for bit.

The model is a fresh tiny one with the painting-sampling path: its head starts at zero, so it
renders its guide (the carried paint where tracked), which makes the paint's colours testable.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from camfuse.media import read_image, write_image
from camfuse.render import render
from tests.motion import translating_clip

N = 8


def _u8(x: torch.Tensor) -> np.ndarray:
    return (x.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


@pytest.fixture(scope="module")
def shot(tmp_path_factory) -> dict:
    from camfuse.checkpoint import save_checkpoint
    from camfuse.config import load_config
    from camfuse.models import CamFuse

    d = tmp_path_factory.mktemp("workflow")
    footage, painted = translating_clip(frames=N, size=64, step=(1, 0))
    (d / "footage").mkdir()
    for t in range(N):
        write_image(d / "footage" / f"{t:04d}.png", _u8(footage[t]))
    cfg = load_config("tiny").with_overrides(["model.sampling=true"])
    torch.manual_seed(0)
    ckpt = save_checkpoint(d / "tiny", CamFuse(cfg.model), cfg, note="fresh, renders its guide")
    red = painted.clone()
    red[:, 0] = 1.0  # a paint-over that is clearly not the footage: the red channel saturated
    return {"dir": d, "ckpt": ckpt, "footage": d / "footage", "painted": red}


def _render(shot, out: Path, painting=None, **kw) -> list[np.ndarray]:
    kw = {"checkpoint": shot["ckpt"], "device": "cpu", "precision": "fp32", **kw}
    render(painting, shot["footage"], out, **kw)
    return [read_image(p, alpha=True) for p in sorted(out.iterdir())]


def _source(shot, t: int) -> np.ndarray:
    return read_image(shot["footage"] / f"{t:04d}.png")


def test_outside_the_mask_the_footage_passes_through_bit_for_bit(shot, tmp_path):
    (tmp_path / "mask").mkdir()
    mask = np.zeros((64, 64), np.uint8)
    mask[:, :24] = 255  # paint the left part only
    for t in range(N):
        write_image(tmp_path / "mask" / f"{t:04d}.png", np.repeat(mask[..., None], 3, -1))
    paint = tmp_path / "paint.png"
    write_image(paint, _u8(shot["painted"][0]))
    out = _render(shot, tmp_path / "out", paint, keyframe=0, mask=tmp_path / "mask")
    assert len(out) == N
    for t, frame in enumerate(out):
        src = _source(shot, t)
        assert np.array_equal(frame[:, 30:], src[:, 30:]), t  # beyond the soft edge: untouched
        assert np.abs(frame[:, :18, 0].astype(int) - src[:, :18, 0]).mean() > 20  # painted
    edge = out[3][:, 22:27, 0].astype(int) - _source(shot, 3)[:, 22:27, 0]
    assert (
        0
        < np.abs(edge).mean()
        < np.abs(out[3][:, :18, 0].astype(int) - _source(shot, 3)[:, :18, 0]).mean()
    )


def test_transparent_paint_keeps_the_footage_and_alpha_output_says_where(shot, tmp_path):
    rgba = np.concatenate([_u8(shot["painted"][0]), np.zeros((64, 64, 1), np.uint8)], -1)
    rgba[:, :32, 3] = 255  # painted on a layer: the right half is transparent
    paint = tmp_path / "layer.png"
    write_image(paint, rgba)
    out = _render(shot, tmp_path / "out", paint, keyframe=0)
    for t, frame in enumerate(out):
        assert frame.shape == (64, 64, 3)
        assert np.array_equal(frame[:, 44:], _source(shot, t)[:, 44:]), t
        assert np.abs(frame[:, 4:24, 0].astype(int) - _source(shot, t)[:, 4:24, 0]).mean() > 20
    layers = _render(shot, tmp_path / "rgba", paint, keyframe=0, alpha=True)
    for frame in layers:
        assert frame.shape == (64, 64, 4)
        assert frame[:, 44:, 3].max() == 0 and frame[:, 4:24, 3].min() == 255
    # composited over the footage, the RGBA frames are the mixed render (up to rounding)
    a = layers[2][..., 3:].astype(float) / 255
    over = layers[2][..., :3] * a + _source(shot, 2) * (1 - a)
    assert np.abs(over - out[2]).max() <= 1.5


def test_a_range_renders_its_frames_numbered_as_in_the_clip(shot, tmp_path):
    paint = tmp_path / "paint.png"
    write_image(paint, _u8(shot["painted"][0]))
    out = tmp_path / "part"
    render(paint, shot["footage"], out, keyframe=0, start=3, end=6, checkpoint=shot["ckpt"],
           device="cpu", precision="fp32")  # fmt: skip
    assert sorted(p.name for p in out.iterdir()) == [f"frame_{t:06d}.png" for t in (3, 4, 5)]
    whole = _render(shot, tmp_path / "whole", paint, keyframe=0)
    part = [read_image(p) for p in sorted(out.iterdir())]
    for t, frame in zip((3, 4, 5), part, strict=True):  # the keyframe outside still paints them
        assert np.abs(frame[..., 0].astype(int) - _source(shot, t)[..., 0]).mean() > 20
        assert np.abs(frame.astype(int) - whole[t]).mean() < 3  # as in the whole render


def test_a_keys_folder_paints_from_both_keyframes(shot, tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    first, last = shot["painted"][0].clone(), shot["painted"][N - 1].clone()
    last[2] = 1.0  # the later keyframe is also saturated in blue
    write_image(keys / "00000.png", _u8(first))
    write_image(keys / f"{N - 1:05d}.png", _u8(last))
    out = _render(shot, tmp_path / "out", keys=keys)
    blue = [float(f[8:-8, 8:-8, 2].mean()) for f in out]
    assert all(b < a for a, b in zip(blue[1:], blue[:-1], strict=True)), blue  # rises over time
    single = _render(shot, tmp_path / "single", tmp_path / "keys" / "00000.png", keyframe=0)
    assert float(single[N // 2][8:-8, 8:-8, 2].mean()) < blue[N // 2] - 20
