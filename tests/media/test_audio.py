"""The source's audio in a rendered video: copied when the container holds it, else AAC, else
dropped with a warning; never a failed render."""

from __future__ import annotations

import logging
from fractions import Fraction
from pathlib import Path

import av
import pytest

from camfuse.media import VideoWriter, iter_frames, probe_footage, writers
from tests.footage import make_clip, make_pcm_clip, remux


def _render(src: Path, out: Path) -> Path:
    writer = VideoWriter(out, width=64, height=48, fps=Fraction(10), audio_from=src)
    for frame in iter_frames(src):
        writer.write(frame)
    writer.close()
    return out


def _audio(path: Path) -> tuple[str, int, int, float]:
    """(codec, sample rate, channels, seconds decoded) of the first audio stream."""
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        samples = sum(f.samples for f in c.decode(audio=0))
        return a.codec_context.name, a.rate, a.channels, samples / a.rate


@pytest.mark.parametrize("rate, layout", [(44100, "mono"), (48000, "stereo")])
@pytest.mark.parametrize(
    "ext, codec", [(".mp4", "aac"), (".mkv", "pcm_s16le"), (".mov", "pcm_s16le")]
)
def test_pcm_audio_is_copied_where_it_fits_and_transcoded_elsewhere(
    tmp_path, rate, layout, ext, codec
):
    src = make_pcm_clip(tmp_path / "src.mkv", rate=rate, layout=layout)
    out = _render(src, tmp_path / f"out{ext}")
    name, out_rate, channels, seconds = _audio(out)
    assert (name, out_rate, channels) == (codec, rate, av.AudioLayout(layout).nb_channels)
    assert seconds == pytest.approx(1.2, abs=0.05)  # 12 frames at 10 fps; AAC adds priming
    assert probe_footage(out).frames == 12


@pytest.mark.parametrize(
    "src_name, codec, ext, expected",
    [
        ("src.mov", "pcm_s32be", ".mov", "pcm_s32be"),  # any PCM mov takes is copied
        ("src.mov", "pcm_alaw", ".mov", "pcm_alaw"),
        ("src.mkv", "pcm_s24le", ".mkv", "pcm_s24le"),
        ("src.mov", "pcm_alaw", ".mkv", "aac"),  # the mkv muxer has no A-law: transcoded
        ("src.mov", "pcm_s32be", ".mp4", "aac"),  # players expect no PCM in mp4
    ],
)
def test_pcm_variants_are_copied_where_the_container_takes_them(
    tmp_path, src_name, codec, ext, expected
):
    src = make_pcm_clip(tmp_path / src_name, codec=codec, rate=16000, layout="mono")
    name, rate, channels, seconds = _audio(_render(src, tmp_path / f"out{ext}"))
    assert (name, rate, channels) == (expected, 16000, 1)
    assert seconds == pytest.approx(1.2, abs=0.1)


@pytest.mark.parametrize("rate, aac_rate", [(11000, 11025), (192000, 96000)])
def test_a_rate_aac_lacks_is_resampled_to_one_it_has(tmp_path, rate, aac_rate):
    src = make_pcm_clip(tmp_path / "src.mkv", rate=rate, layout="mono")
    assert _audio(_render(src, tmp_path / "out.mp4"))[:2] == ("aac", aac_rate)


def test_surround_pcm_keeps_its_channels(tmp_path):
    src = make_pcm_clip(tmp_path / "src.mkv", layout="5.1")
    name, _, channels, seconds = _audio(_render(src, tmp_path / "out.mp4"))
    assert (name, channels) == ("aac", 6) and seconds == pytest.approx(1.2, abs=0.05)


def test_audio_that_cannot_be_written_is_dropped_with_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(writers, "TRANSCODE_AUDIO_TO", "no-such-encoder", raising=False)
    src = make_pcm_clip(tmp_path / "src.mkv")
    with caplog.at_level(logging.WARNING, logger="camfuse.media.writers"):
        out = _render(src, tmp_path / "out.mp4")
    assert "audio track pcm_s16le cannot be written to .mp4: dropped" in caplog.text
    info = probe_footage(out)
    assert (info.frames, info.has_audio) == (12, False)


def test_copyable_audio_is_still_copied(tmp_path):
    src = make_clip(tmp_path / "src.mkv", audio="aac")
    assert _audio(_render(src, tmp_path / "out.mp4"))[0] == "aac"


def test_damaged_audio_packets_are_skipped_not_fatal(tmp_path, caplog):
    clip = make_clip(tmp_path / "src.mkv", audio="flac")  # FLAC checks each frame: damage shows
    src = remux(clip, tmp_path / "damaged.mkv", scramble_audio={3, 4, 5})
    with caplog.at_level(logging.WARNING, logger="camfuse.media.writers"):
        out = _render(src, tmp_path / "out.mov")  # mov does not take FLAC: transcoded
    assert "audio track flac: 3 damaged packets skipped" in caplog.text
    name, _, _, seconds = _audio(out)
    assert name == "aac" and 0.8 < seconds < 1.2
