"""camfuse.media.shots: cuts between clips are found (±1 frame), motion and exposure changes are
not cuts, streaming equals batch, and probe_footage finds the same shots in its decoding pass."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import skimage.data

from camfuse.media import (
    ShotDetector,
    VideoWriter,
    bundled_clip,
    detect_shots,
    iter_frames,
    probe_footage,
    write_image,
)


def pan(photo: np.ndarray, n: int, step: int, *, x: int = 0, w: int = 128, h: int = 96):
    """``n`` frames of a camera panning right across ``photo``, ``step`` px a frame."""
    return [photo[40 : 40 + h, x + i * step : x + i * step + w].copy() for i in range(n)]


def exposure(frames: list[np.ndarray], gains) -> list[np.ndarray]:
    return [np.clip(f * g, 0, 255).astype(np.uint8) for f, g in zip(frames, gains, strict=True)]


def bar_and_ramp(n: int, w: int = 128, h: int = 96) -> list[np.ndarray]:
    """A moving bar over a background brightening from 40 to 200."""
    frames = []
    for i in range(n):
        img = np.full((h, w, 3), 40 + i * 160 // n, np.uint8)
        img[:, (i * 6) % w : (i * 6) % w + 12] = (255, 200, 64)
        frames.append(img)
    return frames


ASTRONAUT, COFFEE, CAT = skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea()


def starts(shots: list[range]) -> list[int]:
    return [s.start for s in shots[1:]]


def assert_covers(shots: list[range], n: int) -> None:
    assert shots[0].start == 0 and shots[-1].stop == n
    assert all(a.stop == b.start and len(a) for a, b in zip(shots, shots[1:], strict=False))


@pytest.mark.parametrize(
    ("clips", "cuts"),
    [
        ([pan(ASTRONAUT, 20, 2), pan(COFFEE, 20, 2)], [20]),
        ([pan(ASTRONAUT, 17, 2), pan(COFFEE, 25, 3), pan(CAT, 18, 3)], [17, 42]),
        ([pan(CAT, 20, 3), pan(COFFEE, 20, 3)], [20]),  # two brown pictures
        ([pan(ASTRONAUT, 20, 2), pan(ASTRONAUT, 20, 2, x=300)], [20]),  # same set, another angle
        ([pan(ASTRONAUT, 20, 8), pan(COFFEE, 20, 8)], [20]),  # a cut during a fast pan
    ],
    ids=["two", "three", "similar-colours", "same-photo", "fast-pan"],
)
def test_cut_between_clips_is_found(clips, cuts):
    frames = [f for clip in clips for f in clip]
    shots = detect_shots(iter(frames))
    assert_covers(shots, len(frames))
    assert len(shots) == len(cuts) + 1
    assert all(abs(got - want) <= 1 for got, want in zip(starts(shots), cuts, strict=True))


@pytest.mark.parametrize(
    "frames",
    [
        bar_and_ramp(40),
        pan(ASTRONAUT, 30, 12),  # 9% of the frame width a frame: every frame differs a lot
        exposure(pan(ASTRONAUT, 40, 2), np.random.default_rng(0).uniform(0.85, 1.15, 40)),
        exposure(pan(ASTRONAUT, 40, 2), [1.6 if i == 20 else 1.0 for i in range(40)]),
        exposure(pan(ASTRONAUT, 40, 2), np.abs(np.linspace(-1, 1, 40))),  # fade out and in
    ],
    ids=["bar-and-ramp", "fast-pan", "flicker", "flash", "fade"],
)
def test_one_continuous_shot(frames):
    assert detect_shots(frames) == [range(len(frames))]


def test_streaming_equals_batch():
    frames = pan(ASTRONAUT, 17, 2) + pan(COFFEE, 25, 3) + pan(CAT, 18, 3)
    detector = ShotDetector()
    for f in frames:
        detector.push(f)
    assert detector.frames == 60
    assert (
        detector.shots() == detect_shots(iter(frames)) == [range(17), range(17, 42), range(42, 60)]
    )
    assert detector.shots() == [range(17), range(17, 42), range(42, 60)]  # asking twice is fine
    with pytest.raises(RuntimeError):
        detector.push(frames[0])


def test_frames_are_shrunk_for_detection():
    detector = ShotDetector(width=160)
    assert detector.analysis_size(1280, 720) == (160, 90)
    assert detector.analysis_size(128, 96) == (128, 96)  # never enlarged
    big = [
        np.kron(f, np.ones((4, 4, 1), np.uint8)) for f in pan(ASTRONAUT, 20, 2) + pan(COFFEE, 20, 2)
    ]
    assert big[0].shape == (384, 512, 3)
    assert starts(detect_shots(big)) == [20]


def test_a_cut_within_min_len_of_the_last_is_dropped():
    frames = pan(ASTRONAUT, 20, 2) + pan(COFFEE, 5, 2) + pan(CAT, 20, 2)
    assert starts(detect_shots(frames)) == [20]  # the 5-frame insert joins the shot after it
    assert starts(detect_shots(frames, min_len=4)) == [20, 25]


def test_short_and_bad_input():
    assert detect_shots([]) == []
    assert detect_shots(pan(ASTRONAUT, 1, 2)) == [range(1)]
    with pytest.raises(ValueError, match="earlier frames are 128x96"):
        detect_shots([pan(ASTRONAUT, 1, 2)[0], pan(ASTRONAUT, 1, 2, w=64)[0]])
    for bad in ({"threshold": 1.0}, {"min_len": 0}, {"min_content": -1.0}, {"width": 8}):
        with pytest.raises(ValueError):
            ShotDetector(**bad)


@pytest.mark.parametrize("kind", ["video", "frames"])
def test_probe_footage_finds_shots(tmp_path, kind):
    frames = pan(ASTRONAUT, 20, 2) + pan(COFFEE, 20, 2)
    if kind == "video":
        path = tmp_path / "clip.mp4"
        writer = VideoWriter(path, width=128, height=96, fps=Fraction(10))
        for f in frames:
            writer.write(f)
        writer.close()
    else:
        path = tmp_path / "frames"
        path.mkdir()
        for i, f in enumerate(frames):
            write_image(path / f"f{i}.png", f)
    info = probe_footage(path, shots=True)
    assert info.frames == 40 and isinstance(info.shots, tuple)
    assert len(info.shots) == 2 and abs(info.shots[1].start - 20) <= 1
    assert list(info.shots) == detect_shots(iter_frames(path))  # the same pass, the same answer
    assert probe_footage(path).shots is None  # not asked: no detection
    assert probe_footage(path, max_frames=30, shots=True).shots[-1].stop == 30


@pytest.mark.parametrize(
    ("name", "cuts"),
    [
        ("carphone", []),  # one shot: a man talking in a moving car
        ("bikes", [30, 76, 137, 187, 242]),  # 6 shots, hard cuts (looked at)
        ("bigbuckbunny", []),  # one shot: the bunny leaves his burrow
    ],
)
def test_bundled_clips(name, cuts):
    info = probe_footage(bundled_clip(name), shots=True)
    assert starts(list(info.shots)) == cuts
    assert_covers(list(info.shots), info.frames)
