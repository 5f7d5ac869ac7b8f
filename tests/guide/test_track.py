"""camfuse.guide: the 7-channel painting-sampling guide, its colour maps and its streaming."""

from __future__ import annotations

import pytest
import torch

from camfuse.data.synth import generate_sample
from camfuse.guide.colour import fit_regression
from camfuse.guide.track import CHANNELS, clip_guide, stream_guides
from camfuse.training.datamodule import guided_collate, with_guide
from tests.motion import noise_image, translating_clip


@pytest.fixture(scope="module")
def sample() -> dict:
    """A generator keyframe-role clip: painting == target[keyframe]."""
    return generate_sample(0, size=64, frames=4, role="keyframe")


@pytest.fixture(scope="module")
def moving() -> tuple[torch.Tensor, torch.Tensor]:
    return translating_clip(frames=4, step=(2, 1))


def test_keyframe_guide_is_the_painting_with_full_confidence(sample):
    k = int(sample["keyframe"])
    g = clip_guide(sample["painting"], sample["footage"], k)
    assert g.shape == (4, CHANNELS, 64, 64) and torch.isfinite(g).all()
    torch.testing.assert_close(g[k, :3], sample["painting"], atol=1e-6, rtol=0)
    assert g[k, 3].min() == 1
    # the fallback: the footage through the map fitted on the keyframe, the same for every frame
    colours = fit_regression(sample["footage"][k], sample["painting"])
    torch.testing.assert_close(g[:, 4:], colours(sample["footage"]))


@pytest.mark.parametrize("k", [0, 3])
def test_warped_painting_follows_the_motion_where_confident(moving, k):
    footage, painted = moving
    g = clip_guide(painted[k], footage, k)
    for t in range(4):
        trusted = g[t, 3:4].expand(3, -1, -1) > 0.5
        assert trusted[:, 8:-8, 8:-8].all()  # seen in every frame
        err = (g[t, :3] - painted[t])[trusted].abs().mean()
        moved = (painted[k] - painted[t])[trusted].abs().mean()
        assert err < 0.01 and (t == k or err < 0.1 * moved), (t, float(err), float(moved))
    # what entered the view after the keyframe was never painted: not trusted
    later = 3 if k == 0 else 0
    edge = (
        (slice(None), slice(None), slice(-6, None))
        if k == 0
        else (slice(None), slice(None), slice(0, 6))
    )
    assert g[later, 3:4][edge].max() == 0 and g[later, 3:4].min() == 0


def test_confidence_is_binary(moving):
    footage, painted = moving
    conf = clip_guide(painted[1], footage, 1)[:, 3]
    assert set(conf.unique().tolist()) == {0.0, 1.0}


def test_style_role_guide_is_zeros_then_the_footage(moving):
    footage, _ = moving
    g = clip_guide(noise_image(5, 64, 48), footage, None)  # a reference of another shape: unused
    assert g.shape == (4, CHANNELS, 64, 64)
    assert torch.count_nonzero(g[:, :4]) == 0
    assert torch.equal(g[:, 4:], footage)


@pytest.mark.parametrize("keyframe", [0, 2, 3, None])
def test_stream_from_a_lazy_source_equals_clip_guide(moving, keyframe):
    footage, painted = moving
    painting = painted[0 if keyframe is None else keyframe]
    pulled = []

    def source():
        for i, f in enumerate(footage):
            pulled.append(i)
            yield f

    stream = stream_guides(painting, source(), keyframe)
    frames, guides = [], []
    for i, (f, g) in enumerate(stream):
        # frames up to the keyframe are held (the backward chain starts there); later ones are not
        assert len(pulled) == max(i, keyframe or 0) + 1
        frames.append(f), guides.append(g)
    assert all(torch.equal(f, x) for f, x in zip(frames, footage, strict=True))  # in order
    assert torch.equal(torch.stack(guides), clip_guide(painting, footage, keyframe))


@pytest.mark.parametrize("k", [2, 3])
def test_keyframe_in_the_middle_or_last_gives_every_frame_in_order(moving, k):
    footage, painted = moving
    g = clip_guide(painted[k], footage, k)
    assert g.shape[0] == 4
    full = [int(g[t, 3].min() == 1) for t in range(4)]
    assert full == [int(t == k) for t in range(4)]  # only the keyframe is trusted everywhere
    colours = fit_regression(footage[k], painted[k])
    torch.testing.assert_close(g[:, 4:], colours(footage))  # recoloured frame t is frame t's


@pytest.mark.parametrize("frames, keyframe", [(4, 4), (4, 9), (0, 0)])
def test_keyframe_beyond_the_footage_raises(moving, frames, keyframe):
    footage, painted = moving
    with pytest.raises(ValueError, match=f"keyframe {keyframe} is beyond"):
        clip_guide(painted[0], footage[:frames], keyframe)
    with pytest.raises(ValueError, match="beyond"):
        next(stream_guides(painted[0], iter(footage[:frames]), keyframe))


def test_style_role_stream_of_nothing_is_empty():
    assert list(stream_guides(noise_image(0), iter([]), None)) == []


def test_with_guide_and_guided_collate(sample):
    style = generate_sample(1, size=64, frames=4, role="style")
    one = with_guide(sample)
    assert one["guide"].shape == (4, CHANNELS, 64, 64)
    assert torch.equal(one["footage"], sample["footage"]) and "guide" not in sample
    k = int(sample["keyframe"])
    torch.testing.assert_close(one["guide"][k, :3], sample["painting"], atol=1e-6, rtol=0)
    batch = guided_collate([sample, style])
    assert batch["guide"].shape == (2, 4, CHANNELS, 64, 64)
    assert torch.equal(batch["guide"][0], one["guide"])
    assert torch.count_nonzero(batch["guide"][1, :, :4]) == 0  # style role: no paint-over
    assert torch.equal(batch["guide"][1, :, 4:], style["footage"])


def test_the_adapted_recipe_fills_the_guide_with_the_clips_feature_map(sample):
    """data.fill = features: what the track cannot carry is the feature map fitted on the
    clip's keyframe pair (what `camfuse render --adapt auto` paints), not the colour map."""
    from camfuse.render.adapt import fit_features

    k = int(sample["keyframe"])
    one = with_guide(sample, adapted=True)
    plain = with_guide(sample)
    torch.testing.assert_close(one["guide"][:, :4], plain["guide"][:, :4])  # the same track
    fm = fit_features(sample["footage"][k], sample["painting"])
    torch.testing.assert_close(one["guide"][:, 4:], fm(sample["footage"]), atol=1e-5, rtol=0)
    assert float((one["guide"][:, 4:] - plain["guide"][:, 4:]).abs().mean()) > 1e-3
    style = generate_sample(1, size=64, frames=4, role="style")
    assert torch.equal(with_guide(style, adapted=True)["guide"], with_guide(style)["guide"])


def test_two_keyframes_mix_by_distance_in_time(moving):
    """Keyframe 0 painted as the world, keyframe 3 as the world + 0.2: between them the carried
    paint moves from one to the other in proportion to time, and each keyframe is exact."""
    footage, painted = moving
    keys = torch.stack([painted[0], (painted[3] + 0.2).clamp(0, 1)])
    g = clip_guide(keys, footage, (0, 3), preset="medium")
    torch.testing.assert_close(g[0, :3], keys[0])
    torch.testing.assert_close(g[3, :3], keys[1])
    inner = (slice(None), slice(8, -8), slice(8, -8))  # tracked from both sides
    bright = painted[3] < 0.8  # not clipped by the +0.2
    for t, expected in ((1, 0.2 / 3), (2, 0.4 / 3)):
        assert g[t, 3][inner[1:]].min() == 1
        offset = (g[t, :3] - painted[t])[inner][bright[inner]].mean()
        assert abs(float(offset) - expected) < 0.02, (t, float(offset))


def test_transparent_paint_carries_the_footage_and_its_alpha(moving):
    from camfuse.guide.track import track_keys

    footage, painted = moving
    alpha = torch.ones(1, 64, 64)
    alpha[:, :, 32:] = 0  # the right half is not painted
    rgba = torch.cat([painted[0], alpha])
    out = list(track_keys(rgba, footage, 0, preset="medium"))
    assert all(t.alpha is not None and t.alpha.shape == (1, 64, 64) for t in out)
    torch.testing.assert_close(out[0].guide[:3, :, 40:], footage[0][:, :, 40:])  # footage there
    torch.testing.assert_close(out[0].guide[:3, :, :24], painted[0][:, :, :24])
    later = out[3].alpha[0]
    assert later[:, 4:20].min() > 0.99 and later[:, 44:56].max() < 0.01  # moved with the content


def test_keyframes_in_two_shots_are_not_merged_across_the_cut(moving):
    footage, painted = moving
    keys = torch.stack([painted[0], (painted[3] + 0.2).clamp(0, 1)])
    shots = [range(0, 2), range(2, 4)]
    guides = [x for _, x in stream_guides(keys, footage, (0, 3), preset="medium", shots=shots)]
    inner = (slice(None), slice(8, -8), slice(8, -8))
    bright = painted[3][inner] < 0.8
    # frame 1 is in keyframe 0's shot: nothing of keyframe 3's +0.2; frame 2 in keyframe 3's
    assert abs(float((guides[1][:3][inner] - painted[1][inner])[bright].mean())) < 0.01
    assert abs(float((guides[2][:3][inner] - painted[2][inner])[bright].mean()) - 0.2) < 0.01


def test_a_region_at_the_keyframe_limits_what_its_paint_is_carried_from(moving):
    from camfuse.guide.track import track_keys

    footage, painted = moving
    region = torch.zeros(1, 1, 64, 64)
    region[..., :32] = 1  # the mask at the keyframe: its left half
    out = list(track_keys(painted[0], footage, 0, preset="medium", regions=region))
    assert out[0].guide[3, :, :32].min() == 1 and out[0].guide[3, :, 32:].max() == 0
    conf = out[2].guide[3]  # moved by (4, 2) px: x + 4 is where a pixel came from
    assert conf[8:-8, 8:24].min() == 1 and conf[8:-8, 32:56].max() == 0
