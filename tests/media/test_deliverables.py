"""Deliverables for a compositor: 16-bit PNG frames (exact, alpha kept) and ProRes 4444 in .mov
(alpha carried, more than 8 bits kept within ProRes' loss), with the source's audio."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PIL import Image

from camfuse.media import CODECS, FrameFolderWriter, VideoWriter, iter_frames, write_image
from tests.footage import make_clip, make_pcm_clip

W, H = 45, 37  # odd sides: ProRes 4:4:4 needs no padding


def _read_png16(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    code = cv2.COLOR_BGRA2RGBA if image.shape[2] == 4 else cv2.COLOR_BGR2RGB
    return cv2.cvtColor(image, code)


@pytest.mark.parametrize("channels, mode", [(3, "RGB"), (4, "RGBA")])
def test_16_bit_png_round_trip_is_exact(tmp_path, channels, mode):
    image = np.random.default_rng(0).integers(0, 65536, (H, W, channels)).astype(np.uint16)
    write_image(tmp_path / "x.png", image)
    back = _read_png16(tmp_path / "x.png")
    assert back.dtype == np.uint16 and back.shape == image.shape
    np.testing.assert_array_equal(back, image)  # RGB order, every bit, the alpha too
    with Image.open(tmp_path / "x.png") as im:
        assert im.mode == mode  # a viewer sees the channels the frame had


def test_frame_folder_writer_writes_16_bit_frames_with_alpha(tmp_path):
    writer = FrameFolderWriter(tmp_path / "out", total=2, first=7)
    frames = [np.full((H, W, 4), 1000 * i + 3, np.uint16) for i in (1, 2)]
    for f in frames:
        writer.write(f)
    writer.close()
    files = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in files] == ["frame_000007.png", "frame_000008.png"]
    for p, f in zip(files, frames, strict=True):
        np.testing.assert_array_equal(_read_png16(p), f)


def _ramps(i: int) -> np.ndarray:
    """uint16 RGBA: colour ramps across x in steps of 128 (two per 8-bit step), alpha down y."""
    y, x = np.mgrid[0:H, 0:W]
    f = np.empty((H, W, 4), np.uint16)
    f[..., 0] = 20000 + 128 * x + 16 * i
    f[..., 1] = 30000 + 128 * x
    f[..., 2] = 40000 - 128 * x
    f[..., 3] = 1000 + 1700 * y
    return f


def _write(path: Path, frames, **kw) -> Path:
    writer = VideoWriter(path, width=W, height=H, fps=Fraction(24000, 1001), **kw)
    for f in frames:
        writer.write(f)
    writer.close()
    return path


def test_prores_4444_keeps_alpha_and_more_than_8_bits(tmp_path):
    frames = [_ramps(i) for i in range(3)]
    path = _write(tmp_path / "a.mov", frames, codec="prores", alpha=True, depth=16)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert (s.codec_context.name, s.codec_context.profile) == ("prores", "4444")
        assert s.format.name.startswith("yuva444p") and (s.width, s.height) == (W, H)
        assert s.average_rate == Fraction(24000, 1001)
        decoded = [f.to_ndarray(format="rgba64le") for f in c.decode(video=0)]
    assert len(decoded) == 3
    for got, want in zip(decoded, frames, strict=True):
        err = np.abs(got.astype(np.int64) - want)
        assert err[..., 3].max() <= 128, err[..., 3].max()  # alpha: 10-bit, about exact
        assert err[..., :3].max() < 257  # within one 8-bit step everywhere
        assert err[..., :3].mean() < 64  # 8-bit rounding alone would average 64
        # columns 128 apart (one 8-bit step holds two of them) still come out in order
        red = got[..., 0].astype(np.float64).mean(axis=0)
        assert (np.diff(red) > 0).all(), red


def test_prores_without_alpha_is_4444_and_reads_back_as_footage(tmp_path):
    rng = np.random.default_rng(1)
    frames = [np.clip(_ramps(i)[..., :3] // 257 + rng.integers(0, 3), 0, 255).astype(np.uint8)
              for i in range(3)]  # fmt: skip
    path = _write(tmp_path / "b.mov", frames, codec="prores")
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.codec_context.profile == "4444" and s.format.name.startswith("yuv444p")
        assert s.codec_context.colorspace == 1  # BT.709, tagged: a compositor needs no guess
    back = list(iter_frames(path))  # camfuse's own reader, 8-bit RGB
    assert len(back) == 3
    for got, want in zip(back, frames, strict=True):
        assert np.abs(got.astype(int) - want).max() <= 2


@pytest.mark.parametrize("make, codec", [(make_clip, "aac"), (make_pcm_clip, "pcm_s16le")])
def test_prores_mov_carries_the_source_audio(tmp_path, make, codec):
    src = make(tmp_path / "src.mkv", **({"audio": "aac"} if make is make_clip else {}))
    frames = [np.full((H, W, 3), 9, np.uint16) * 257] * 12
    path = _write(tmp_path / "c.mov", frames, codec="prores", depth=16, audio_from=src)
    with av.open(str(path)) as c:
        assert c.streams.audio[0].codec_context.name == codec  # .mov holds both as they are
        assert sum(f.samples for f in c.decode(audio=0)) > 0


def test_codecs_say_what_they_take():
    assert CODECS["prores"].exts == {".mov"} and 16 in CODECS["prores"].depths
    assert CODECS["h264"].alpha_pix_fmt is None and CODECS["h264"].depths == (8,)
