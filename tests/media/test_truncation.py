"""Footage that ends early or declares more than it holds is refused; complete footage is not."""

from __future__ import annotations

import pytest

from camfuse.media import MediaError, bundled_clip, probe_footage
from tests.footage import make_clip, make_pcm_clip, remux, truncate


@pytest.mark.parametrize("name", ["a.mkv", "a.webm"])
@pytest.mark.parametrize("fraction", [0.9, 0.97, 0.99, 0.999])
def test_cut_matroska_is_refused(tmp_path, name, fraction):
    # a cut of a few percent loses one frame (or only the index): the DURATION tag cannot tell
    clip = make_clip(tmp_path / name, n=30)
    with pytest.raises(MediaError, match="is truncated"):
        probe_footage(truncate(clip, fraction))


def test_matroska_of_unknown_size_is_not_checked_against_it(tmp_path):
    # live muxers (pipes, recorders) write the Segment size as "unknown": all ones
    data = bytearray(make_clip(tmp_path / "a.mkv").read_bytes())
    at = data.index(bytes.fromhex("18538067")) + 4
    assert data[at] == 0x01  # ffmpeg reserves an 8-byte size
    data[at : at + 8] = bytes.fromhex("01ffffffffffffff")
    (tmp_path / "live.mkv").write_bytes(bytes(data))
    assert probe_footage(tmp_path / "live.mkv").frames == 12


@pytest.mark.parametrize("name", ["a.mkv", "a.webm"])
@pytest.mark.parametrize("tag", ["NUMBER_OF_FRAMES", "NUMBER_OF_FRAMES-eng"])
def test_matroska_declaring_more_frames_than_it_holds_is_refused(tmp_path, name, tag):
    # mkvmerge's statistics tags; ffmpeg appends the tag language when it is not "und"
    clip = make_clip(tmp_path / name)
    honest = remux(clip, tmp_path / f"honest{clip.suffix}", video_tags={tag: "12"})
    assert probe_footage(honest).frames == 12
    lying = remux(clip, tmp_path / f"lying{clip.suffix}", video_tags={tag: "13"})
    with pytest.raises(MediaError, match="truncated: 12 of 13 declared frames decode"):
        probe_footage(lying)


def test_mp4_declaring_more_frames_than_it_holds_is_refused(tmp_path):
    # index (moov, with nb_frames) at the front, frames cut off at the end
    clip = make_clip(tmp_path / "a.mp4", n=30, faststart=True)
    with pytest.raises(MediaError, match=r"truncated: \d+ of 30 declared frames decode"):
        probe_footage(truncate(clip, 0.8))


def test_a_partial_probe_still_refuses_a_cut_matroska(tmp_path):
    clip = truncate(make_clip(tmp_path / "a.mkv", n=30), 0.97)
    with pytest.raises(MediaError, match="is truncated"):
        probe_footage(clip, max_frames=5)


@pytest.mark.parametrize(
    "name, audio",
    [
        ("a.mp4", None),
        ("a.mp4", "aac"),
        ("a.mov", "aac"),
        ("a.mkv", None),
        ("a.mkv", "aac"),
        ("a.mkv", "libopus"),
        ("a.webm", None),
        ("a.webm", "libopus"),
        ("a.gif", None),
    ],
)
def test_complete_synthetic_footage_is_accepted(tmp_path, name, audio):
    info = probe_footage(make_clip(tmp_path / name, audio=audio))
    assert (info.frames, info.has_audio) == (12, audio is not None)


@pytest.mark.parametrize("name", ["a.mkv", "a.mov"])
def test_complete_footage_with_pcm_audio_is_accepted(tmp_path, name):
    info = probe_footage(make_pcm_clip(tmp_path / name, rate=44100, layout="mono"))
    assert (info.frames, info.has_audio) == (12, True)


@pytest.mark.parametrize("name, frames", [("carphone", 120), ("bikes", 250)])
def test_real_clips_are_accepted_as_shipped_and_remuxed_to_mkv(tmp_path, name, frames):
    clip = bundled_clip(name)
    assert probe_footage(clip).frames == frames
    assert probe_footage(remux(clip, tmp_path / f"{name}.mkv")).frames == frames
