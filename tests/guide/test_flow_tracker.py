"""chain_to / ChainTracker: flow chained to a reference frame, with forward-backward trust."""

from __future__ import annotations

import pytest
import torch

from camfuse.guide.flow import ChainTracker, chain_to, inside_frame
from tests.motion import translating_clip

STEP = (2, 1)  # px per frame (dx, dy)
INNER = (slice(None), slice(8, -8), slice(8, -8))  # (C, H, W): away from the borders


@pytest.fixture(scope="module")
def footage() -> torch.Tensor:
    return translating_clip(frames=4, step=STEP)[0]


@pytest.mark.parametrize("k", [0, 1, 3])
def test_recovers_the_translation_away_from_the_borders(footage, k):
    flow, valid = chain_to(footage, k)
    assert flow.shape == (4, 2, 64, 64) and valid.shape == (4, 1, 64, 64)
    for t in range(4):
        exact = torch.tensor([(t - k) * STEP[0], (t - k) * STEP[1]], dtype=torch.float32)
        err = (flow[t] - exact[:, None, None])[INNER].abs()
        assert err.mean() < 0.05 and err.max() < 0.25, (t, float(err.mean()), float(err.max()))
        assert valid[t][INNER].min() == 1  # content seen in every frame: trusted


@pytest.mark.parametrize("k", [0, 2])
def test_reference_frame_has_zero_flow_and_full_trust(footage, k):
    flow, valid = chain_to(footage, k)
    assert torch.count_nonzero(flow[k]) == 0
    assert valid[k].min() == 1


def test_pixels_that_leave_the_image_are_untrusted(footage):
    flow, valid = chain_to(footage, 0)
    for t in range(1, 4):
        dx, dy = t * STEP[0], t * STEP[1]  # x + flow(x) passes the right / bottom edge here
        assert valid[t][:, :, 64 - dx :].max() == 0
        assert valid[t][:, 64 - dy :, :].max() == 0
        # the whole untrusted region is no bigger than what left the image plus a thin seam
        left = 1 - (64 - dx) * (64 - dy) / 64**2
        assert left <= 1 - valid[t].mean() < left + 0.05
    # farther from the reference, more has left: trust only shrinks along the chain
    trusted = [float(valid[t].mean()) for t in range(4)]
    assert trusted == sorted(trusted, reverse=True) and trusted[3] < trusted[1] < 1


def test_backwards_from_the_last_frame_untrusts_the_left_and_top(footage):
    _, valid = chain_to(footage, 3)
    assert valid[0][:, :, : 3 * STEP[0]].max() == 0 and valid[0][:, : 3 * STEP[1]].max() == 0
    assert valid[0][INNER].min() == 1


def test_tracker_stepping_equals_chain_to(footage):
    k = 1
    flow, valid = chain_to(footage, k)
    forward, backward = ChainTracker(footage[k]), ChainTracker(footage[k])
    for t in (2, 3):
        f, v = forward.step(footage[t])
        assert torch.equal(f, flow[t]) and torch.equal(v, valid[t])
    f, v = backward.step(footage[0])
    assert torch.equal(f, flow[0]) and torch.equal(v, valid[0])
    assert f.shape == (2, 64, 64) and v.shape == (1, 64, 64)


def test_without_the_check_everything_is_trusted_and_the_flow_is_unchanged(footage):
    flow, _ = chain_to(footage, 0)
    loose, trusted = chain_to(footage, 0, check=False)
    assert torch.equal(loose, flow)
    assert trusted.min() == 1


def test_a_single_frame_is_its_own_reference(footage):
    flow, valid = chain_to(footage[:1], 0)
    assert torch.count_nonzero(flow) == 0 and valid.min() == 1


def test_inside_frame_marks_targets_beyond_the_edges():
    flow = torch.zeros(1, 2, 2, 3)
    flow[0, 0, 0, 2] = 0.5  # x = 2.5 > w - 1: outside
    flow[0, 0, 0, 0] = -0.5  # x = -0.5 < 0: outside
    flow[0, 1, 1, 1] = -1.0  # y = 0: on the edge, inside
    flow[0, 0, 1, 0] = 2.0  # x = 2: on the edge, inside
    expected = torch.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    assert torch.equal(inside_frame(flow)[0, 0], expected)


def test_fine_preset_searches_to_full_resolution_and_is_no_worse(footage):
    """ "fine" = OpenCV's medium preset run down to pyramid level 0 (what the guide renders with)."""
    exact = torch.tensor([3 * STEP[0], 3 * STEP[1]], dtype=torch.float32)[:, None, None]
    errors = {}
    for preset in ("medium", "fine"):
        flow, _ = chain_to(footage, 0, preset=preset)
        errors[preset] = float((flow[3] - exact)[INNER].abs().mean())
    assert errors["fine"] < 0.05 and errors["fine"] <= errors["medium"] + 0.02, errors
    assert not torch.equal(*(chain_to(footage, 0, preset=p)[0] for p in ("medium", "fine")))
    with pytest.raises(ValueError, match="unknown DIS preset"):
        chain_to(footage, 0, preset="slow")
