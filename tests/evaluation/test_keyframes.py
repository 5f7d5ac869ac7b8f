"""camfuse.evaluation.keyframes: naming keyframes on a split, and several against one."""

from __future__ import annotations

import pytest
import torch

from camfuse.baselines.guided import FlowWarpFill
from camfuse.evaluation.clips import Clip
from camfuse.evaluation.keyframes import compare_keyframes, parse_keys, with_keys
from camfuse.metrics import psnr_per_frame
from tests.motion import translating_clip


@pytest.mark.parametrize(
    "spec, frames, keys",
    [
        ("first,last", 16, (0, 15)),
        ("every:5", 16, (0, 5, 10, 15)),
        ("every:8", 16, (0, 8, 15)),
        ("0, 7, -1", 10, (0, 7, 9)),
    ],
)
def test_parse_keys(spec, frames, keys):
    assert parse_keys(spec, frames) == keys


@pytest.mark.parametrize("spec", ["first", "0,0", "every:0", "3,20", "middle"])
def test_parse_keys_refuses(spec):
    with pytest.raises(ValueError, match="--keys"):
        parse_keys(spec, 16)


class _Single:
    name, label = "single", "one keyframe only"

    def __call__(self, painting, footage, *, keyframe):
        return footage


def _clip(frames: int = 8) -> Clip:
    # the camera pans: what enters on the right and bottom is painted only in the later frames
    footage, painted = translating_clip(frames=frames, size=48, step=(3, 1))
    return Clip("c", painted[2], footage, painted, 2, "oil")


def test_with_keys_paints_over_with_the_truth_there():
    clip = _clip()
    two = with_keys(clip, (0, 7))
    assert two.keyframe == (0, 7) and two.painting.shape == (2, 3, 48, 48)
    torch.testing.assert_close(two.painting[1], clip.target[7])
    assert with_keys(clip, (7,)).keyframe == 7


def test_two_keyframes_beat_either_alone_between_them():
    clip = _clip()
    (r,) = compare_keyframes([clip], [FlowWarpFill(preset="medium"), _Single()], "first,last")
    assert r.method == "flow-warp-fill" and r.clips == 1  # the single-key method is left out
    assert r.merged > max(r.first, r.last) and r.gain == pytest.approx(
        r.merged - max(r.first, r.last), abs=1e-4
    )
    # near a keyframe the farther one's share costs a little: here, where both tracks are almost
    # exact (~40 dB), up to 0.9 dB on the frame next to a keyframe (the split: at most 0.02 dB)
    assert r.worst_frame < 1.0


def test_psnr_per_frame():
    a = torch.zeros(2, 3, 4, 4)
    b = a.clone()
    b[1] += 0.1
    p = psnr_per_frame(b, a)
    assert p[0] == 100 and abs(float(p[1]) - 20) < 1e-4
