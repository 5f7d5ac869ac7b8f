from camfuse.guide.flow import clip_flows
from camfuse.metrics import coupling_index

from .conftest import sample, shuffled, still


def test_identity_is_one_still_is_zero_shuffle_is_low():
    for seed in (0, 3):
        footage = sample(seed)["footage"]
        flows = clip_flows(footage)
        identity = coupling_index(footage, footage, flows=flows)
        assert identity > 0.99
        assert coupling_index(footage, footage) > 0.99  # flows estimated internally
        assert abs(coupling_index(still(footage), footage, flows=flows)) < 0.05
        assert coupling_index(shuffled(footage), footage, flows=flows) < 0.3


def test_painted_target_moves_like_the_footage():
    for seed in (0, 1, 2, 5):
        s = sample(seed)
        value = coupling_index(s["target"], s["footage"])
        assert 0.5 < value <= 1.0


def test_still_footage():
    frames = still(sample(0)["footage"])
    assert coupling_index(frames, frames) == 1.0  # nothing moves in either: perfectly coupled
    assert coupling_index(sample(0)["footage"], frames) < 0.05  # output moves, footage does not
    assert coupling_index(frames[:1], frames[:1]) == 1.0


def test_reversed_motion_is_negative():
    for seed in (0, 3):
        footage = sample(seed)["footage"]
        assert coupling_index(footage.flip(0), footage) < -0.2
