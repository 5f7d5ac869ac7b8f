import pytest

from camfuse.guide.flow import clip_flows
from camfuse.metrics import long_term_warp_error, warp_error

from .conftest import flicker, sample, shuffled, still


def test_static_clip_has_zero_error():
    frames = still(sample(0)["footage"])
    assert warp_error(frames, frames) < 1e-12  # grid_sample rounding only
    assert long_term_warp_error(frames, frames, k=3) < 1e-12


def test_ground_truth_beats_flicker_shuffle_and_still():
    for seed in (0, 2, 4):
        s = sample(seed)
        footage, target = s["footage"], s["target"]
        flows = clip_flows(footage)
        truth = warp_error(target, footage, flows=flows)
        assert truth < 2e-3
        assert warp_error(flicker(target), footage, flows=flows) > truth + 4e-3
        assert warp_error(shuffled(target), footage, flows=flows) > 5 * truth
        assert warp_error(still(target), footage, flows=flows) > 2 * truth


def test_long_term_orders_the_same_cases():
    for seed in (0, 2, 4):
        s = sample(seed)
        footage, target = s["footage"], s["target"]
        truth = long_term_warp_error(target, footage, k=3)
        assert truth < 6e-3
        assert long_term_warp_error(flicker(target), footage, k=3) > truth + 2e-3
        assert long_term_warp_error(shuffled(target), footage, k=3) > 2 * truth


def test_given_flows_equal_estimated_ones_and_short_clips():
    s = sample(1)
    footage, target = s["footage"], s["target"]
    assert warp_error(target, footage) == warp_error(target, footage, flows=clip_flows(footage))
    assert warp_error(target[:1], footage[:1]) == 0.0
    # k longer than the clip falls back to first-vs-last
    short = long_term_warp_error(target[:3], footage[:3], k=10)
    assert short == long_term_warp_error(target[:3], footage[:3], k=2)


def test_bad_flows_are_value_errors():
    s = sample(1)
    flow, mask = clip_flows(s["footage"])
    with pytest.raises(ValueError, match="flows must be"):
        warp_error(s["target"], s["footage"], flows=(flow[:-1], mask[:-1]))
    with pytest.raises(ValueError, match="k must be"):
        long_term_warp_error(s["target"], s["footage"], k=0)
