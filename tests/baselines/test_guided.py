"""flow-warp-fill (the painting-sampling guide alone) and the palette switch of the model methods."""

from __future__ import annotations

import pytest
import torch

from camfuse.baselines import Identity, build_methods
from camfuse.baselines.guided import FlowWarpFill
from camfuse.config import load_config
from camfuse.data.synth import generate_sample
from camfuse.guide.flow import PRESETS
from camfuse.guide.track import clip_guide
from camfuse.models import CamFuse
from tests.baselines.conftest import psnr
from tests.motion import translating_clip


@pytest.mark.parametrize("seed", [0, 1])
def test_beats_identity_on_a_generator_keyframe_clip(seed):
    s = generate_sample(seed, size=64, frames=4, role="keyframe")
    k = int(s["keyframe"])
    others = [t for t in range(4) if t != k]
    out = FlowWarpFill()(s["painting"], s["footage"], keyframe=k)
    assert torch.allclose(out[k], s["painting"], atol=1e-5)  # the keyframe is its paint-over
    identity = Identity()(s["painting"], s["footage"], keyframe=k)
    gain = psnr(out[others], s["target"][others]) - psnr(identity[others], s["target"][others])
    assert gain > 4.0, gain


def test_is_the_guide_warp_where_trusted_and_the_colour_map_elsewhere():
    footage, painted = translating_clip(frames=4)
    out = FlowWarpFill()(painted[0], footage, keyframe=0)
    g = clip_guide(painted[0], footage, 0)
    trusted = g[:, 3:4].expand(-1, 3, -1, -1) > 0.5
    assert (~trusted).any() and trusted.any()
    torch.testing.assert_close(out[trusted], g[:, :3][trusted].clamp(0, 1))
    torch.testing.assert_close(out[~trusted], g[:, 4:][~trusted])
    # the colour map learnt the channel swap on the keyframe, so even the fill is painted
    assert (
        (out - painted)[~trusted].abs().mean() < 0.05 < (footage - painted)[~trusted].abs().mean()
    )


def test_style_role_returns_the_footage():
    s = generate_sample(0, size=64, frames=4, role="style")
    reference = torch.rand(3, 96, 48, generator=torch.Generator().manual_seed(0))
    out = FlowWarpFill()(reference, s["footage"], keyframe=None)
    assert torch.equal(out, s["footage"])
    out.fill_(0)  # a copy, not the caller's footage
    assert s["footage"].max() > 0


def test_the_flow_preset_reaches_the_guide():
    footage, painted = translating_clip(frames=4)
    for preset in ("medium", PRESETS["fast"]):
        out = FlowWarpFill(preset=preset)(painted[0], footage, keyframe=0)
        g = clip_guide(painted[0], footage, 0, preset=preset)
        torch.testing.assert_close(
            out, (g[:, 3:4] * g[:, :3] + (1 - g[:, 3:4]) * g[:, 4:]).clamp(0, 1)
        )
    assert not torch.equal(out, FlowWarpFill()(painted[0], footage, keyframe=0))
    with pytest.raises(ValueError, match="unknown DIS preset"):
        FlowWarpFill(preset="slow")(painted[0], footage, keyframe=0)


def test_registered():
    (method,) = build_methods(["flow-warp-fill"])
    assert isinstance(method, FlowWarpFill) and method.name == "flow-warp-fill"


@pytest.fixture(scope="module")
def sampling_pair():
    cfg = load_config("tiny").with_overrides(["model.sampling=true"])
    torch.manual_seed(0)
    return CamFuse(cfg.model).eval(), cfg


def test_no_palette_method_keeps_the_models_own_colours(sampling_pair):
    """Style role: an untrained sampling model returns the footage; only "camfuse" recolours it."""
    footage, _ = translating_clip(frames=2)  # one window, fewer palette applications
    g = torch.Generator().manual_seed(1)
    reference = torch.rand(3, 64, 64, generator=g) * torch.tensor([0.3, 1.0, 0.2])[:, None, None]
    with_palette, without = build_methods(["camfuse", "camfuse-no-palette"], model=sampling_pair)
    plain = without(reference, footage, keyframe=None)
    assert (plain - footage).abs().max() <= 1 / 255 + 1e-6  # uint8 round trip only
    painted = with_palette(reference, footage, keyframe=None)
    means = [x.mean(dim=(0, 2, 3)) for x in (painted, plain, reference[None])]
    assert (means[0] - means[2]).abs().max() < 0.05 < (means[1] - means[2]).abs().max()
