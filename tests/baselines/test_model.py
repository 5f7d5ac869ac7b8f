"""Model methods: identical to ``camfuse render``'s stylise, and per-frame means per frame."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from camfuse.baselines import ModelMethod, build_methods, per_frame
from camfuse.models.inputs import to_uint8
from camfuse.render import stylise
from camfuse.render.windows import DEFAULT_OVERLAP


@pytest.mark.parametrize("keyframe", [2, None])
def test_camfuse_equals_render_stylise(model_pair, clip, keyframe):
    model, cfg = model_pair
    painting = clip["painting"] if keyframe is not None else clip["reference"]
    (method,) = build_methods(["camfuse"], model=model_pair)
    assert (method.window, method.overlap) == (
        cfg.data.frames,
        DEFAULT_OVERLAP,
    )  # render's defaults
    out = method(painting, clip["footage"], keyframe=keyframe)
    expected = stylise(
        model,
        to_uint8(painting),
        [to_uint8(f) for f in clip["footage"]],
        total=4,
        out_size=(48, 32),
        size=(48, 32),
        keyframe=keyframe,
        window=3,
        overlap=1,
    )
    got = (out * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    np.testing.assert_array_equal(got, np.stack(list(expected)))


def test_per_frame_output_depends_only_on_its_own_frame(model_pair, clip):
    model, _ = model_pair
    changed = clip["footage"].clone()
    changed[0] = 1 - changed[0]
    method = per_frame(model)
    a = method(clip["painting"], clip["footage"][:3], keyframe=0)
    b = method(clip["painting"], changed[:3], keyframe=0)
    assert not torch.equal(a[0], b[0])
    assert torch.equal(a[1:], b[1:])


@dataclass
class _Out:
    frames: torch.Tensor


class WindowMean(nn.Module):
    """CamFuse's calling convention; every frame = the mean of its window: all temporal context."""

    def __init__(self):
        super().__init__()
        self.cfg = SimpleNamespace(max_frames=8)
        self.scale = nn.Parameter(torch.ones(()))

    def encode_painting(self, painting):
        return painting

    def forward(self, painting, footage, *, role, strength, keyframe, painting_features):
        return _Out(footage.mean(1, keepdim=True).expand_as(footage) * self.scale)


def test_per_frame_removes_context_the_windowed_method_has(clip):
    changed = clip["footage"].clone()
    changed[0] = 1 - changed[0]
    # palette off: in the style role it is fitted on frame 0, which would couple every frame to it
    for method, depends in (
        (ModelMethod(WindowMean(), window=3, palette=False), True),
        (per_frame(WindowMean(), palette=False), False),
    ):
        a = method(clip["painting"], clip["footage"], keyframe=None)
        b = method(clip["painting"], changed, keyframe=None)
        assert torch.equal(a[1:], b[1:]) != depends


def test_explicit_window_overrides_and_is_checked(model_pair):
    model, _ = model_pair
    (method,) = build_methods(["camfuse"], model=model, window=4, overlap=2)
    assert (method.window, method.overlap) == (4, 2)
    with pytest.raises(ValueError, match="max_frames"):
        ModelMethod(model, window=model.cfg.max_frames + 1)
    with pytest.raises(ValueError, match="overlap"):
        ModelMethod(model, window=3, overlap=3)


def test_a_clip_shorter_than_the_window_and_a_single_frame(model_pair, clip):
    model, _ = model_pair
    for t in (1, 2):
        out = ModelMethod(model, window=3)(clip["painting"], clip["footage"][:t], keyframe=0)
        assert out.shape == (t, 3, 32, 48)
