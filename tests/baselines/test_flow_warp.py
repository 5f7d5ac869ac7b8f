"""flow-warp against ground truth: the generator's painted frames and an exact translation."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from camfuse.baselines import FlowWarp, StaticKeyframe
from camfuse.data.synth import generate_sample
from tests.baselines.conftest import psnr
from tests.motion import translating_clip


@pytest.mark.parametrize("seed", [0, 1])
def test_much_closer_to_the_painted_truth_than_a_static_keyframe(seed):
    s = generate_sample(seed, size=64, frames=4, role="keyframe")
    k = int(s["keyframe"])
    others = [t for t in range(4) if t != k]
    warped = FlowWarp()(s["painting"], s["footage"], keyframe=k)
    static = StaticKeyframe()(s["painting"], s["footage"], keyframe=k)
    assert torch.allclose(warped[k], s["painting"], atol=1e-5)  # zero flow at the keyframe
    gain = psnr(warped[others], s["target"][others]) - psnr(static[others], s["target"][others])
    assert gain > 4.0, gain


@pytest.mark.parametrize("chained", [True, False])
@pytest.mark.parametrize("keyframe", [0, 3])
def test_pure_translation_reproduces_the_shifted_painting(chained, keyframe):
    footage, target = translating_clip()
    out = FlowWarp(chained=chained)(target[keyframe], footage, keyframe=keyframe)
    inner = (slice(None), slice(None), slice(8, -8), slice(8, -8))  # content present in every frame
    err = (out - target)[inner].abs().mean()
    moved = (target[keyframe : keyframe + 1] - target)[inner].abs().mean()
    assert err < 0.1 * moved and err < 0.01, (float(err), float(moved))


def test_style_role_warps_the_reference_as_a_paint_over_of_frame_0():
    footage, target = translating_clip()
    reference = F.pad(target[0], (0, 0, 16, 16), mode="replicate")  # taller: cropped back to 64x64
    out = FlowWarp()(reference, footage, keyframe=None)
    assert torch.allclose(out[0], target[0], atol=1e-5)
    assert (out[3] - target[3])[:, 8:-8, 8:-8].abs().mean() < 0.01


def test_fill_replaces_what_the_keyframe_never_saw_by_footage():
    footage, target = translating_clip()
    out = FlowWarp(fill="occluded")(target[0], footage, keyframe=0)
    # the right/bottom edge of frame 3 entered after frame 0: not in the painting, so footage
    assert torch.allclose(out[3][:, -2:, :], footage[3][:, -2:, :], atol=1e-5)
    with pytest.raises(ValueError, match="fill"):
        FlowWarp(fill="inpaint")
