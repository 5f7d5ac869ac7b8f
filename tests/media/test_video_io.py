"""camfuse.media reading and writing: probing (frame counts, truncation), lazy reading, H.264 with audio, PNG folders."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from camfuse.media import (
    FrameFolderWriter,
    MediaError,
    VideoWriter,
    frame_files,
    iter_frames,
    probe_footage,
    write_image,
)
from tests.footage import make_clip, truncate


@pytest.mark.parametrize("name", ["a.mp4", "a.mov", "a.mkv", "a.webm", "a.gif"])
def test_probe_counts_every_container(tmp_path, name):
    info = probe_footage(make_clip(tmp_path / name))
    assert (info.frames, info.width, info.height, info.fps, info.has_audio) == (
        12,
        64,
        48,
        Fraction(10),
        False,
    )
    assert sum(1 for _ in iter_frames(tmp_path / name)) == 12


def test_probe_sees_audio(tmp_path):
    assert probe_footage(make_clip(tmp_path / "a.mp4", audio="aac")).has_audio


def test_frame_folder_is_naturally_sorted(tmp_path):
    for i in (10, 2, 1):
        write_image(tmp_path / f"f{i}.png", np.full((20, 24, 3), i, np.uint8))
    (tmp_path / "notes.txt").write_text("ignored")
    assert [p.name for p in frame_files(tmp_path)] == ["f1.png", "f2.png", "f10.png"]
    info = probe_footage(tmp_path)
    assert (info.kind, info.frames, info.width, info.height, info.fps) == (
        "frames",
        3,
        24,
        20,
        None,
    )
    assert [int(f[0, 0, 0]) for f in iter_frames(tmp_path)] == [1, 2, 10]


@pytest.mark.parametrize(
    "name, fraction, faststart",
    [
        ("a.mp4", 0.8, False),  # index (moov) at the end: cannot be opened
        ("a.mp4", 0.6, True),  # index at the front: fewer frames than declared / decode error
        ("a.mkv", 0.7, False),  # ends before the DURATION tag
        ("a.webm", 0.7, False),
        ("a.gif", 0.9, False),  # trailer byte missing
    ],
)
def test_truncated_video_is_rejected(tmp_path, name, fraction, faststart):
    clip = make_clip(tmp_path / name, n=30, faststart=faststart)
    with pytest.raises(MediaError, match="truncated|unreadable"):
        probe_footage(truncate(clip, fraction))


def test_unusable_footage_is_rejected(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "text.mp4").write_text("not a video")
    (tmp_path / "clip.avi").write_bytes(b"RIFF")
    (tmp_path / "nothing").mkdir()
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    write_image(mixed / "0.png", np.zeros((20, 20, 3), np.uint8))
    write_image(mixed / "1.png", np.zeros((20, 24, 3), np.uint8))
    for bad, message in [
        ("missing.mp4", "not found"),
        ("empty.mp4", "unreadable"),
        ("text.mp4", "unreadable"),
        ("clip.avi", "unsupported"),
        ("nothing", "no PNG/JPG"),
        ("mixed", "earlier frames"),
    ]:
        with pytest.raises(MediaError, match=message):
            probe_footage(tmp_path / bad)


def test_truncated_png_frame_is_rejected(tmp_path):
    write_image(
        tmp_path / "0.png", (np.random.default_rng(0).random((40, 40, 3)) * 255).astype(np.uint8)
    )
    data = (tmp_path / "0.png").read_bytes()
    (tmp_path / "0.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="truncated"):
        probe_footage(tmp_path)


def test_video_writer_round_trip_with_audio_copy(tmp_path):
    src = make_clip(tmp_path / "src.mp4", audio="aac")
    writer = VideoWriter(
        tmp_path / "out.mp4", width=64, height=48, fps=Fraction(30000, 1001), audio_from=src
    )
    for frame in iter_frames(src):
        writer.write(frame)
    writer.close()
    info = probe_footage(tmp_path / "out.mp4")
    assert (info.frames, info.size, info.fps, info.has_audio) == (
        12,
        "64x48",
        Fraction(30000, 1001),
        True,
    )
    with av.open(str(tmp_path / "out.mp4")) as c:
        assert c.streams.video[0].codec_context.name == "h264"
        assert c.streams.video[0].format.name == "yuv420p"
        assert c.streams.audio[0].codec_context.name == "aac"


def test_video_writer_transcodes_audio_the_container_cannot_hold(tmp_path):
    src = make_clip(tmp_path / "src.webm", audio="libopus")
    writer = VideoWriter(
        tmp_path / "out.mov", width=64, height=48, fps=Fraction(10), audio_from=src
    )
    for frame in iter_frames(src):
        writer.write(frame)
    writer.close()
    with av.open(str(tmp_path / "out.mov")) as c:
        assert c.streams.audio[0].codec_context.name == "aac"
        assert sum(1 for _ in c.decode(audio=0)) > 0


def test_video_writer_pads_odd_sizes_to_even(tmp_path):
    writer = VideoWriter(tmp_path / "odd.mp4", width=63, height=47, fps=Fraction(10))
    for _ in range(3):
        writer.write(np.zeros((47, 63, 3), np.uint8))
    writer.close()
    assert probe_footage(tmp_path / "odd.mp4").size == "64x48"


def test_frame_folder_writer_names_sort(tmp_path):
    writer = FrameFolderWriter(tmp_path / "out", total=3)
    for i in range(3):
        writer.write(np.full((20, 30, 3), i, np.uint8))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"frame_{i:06d}.png" for i in range(3)
    ]
    assert probe_footage(tmp_path / "out").size == "30x20"
