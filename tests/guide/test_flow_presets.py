"""DIS settings per preset name, the resolution cap and the check's reverse flow (camfuse.guide.flow)."""

from __future__ import annotations

import dataclasses

import cv2
import pytest
import torch

from camfuse.guide import flow as flow_module
from camfuse.guide.flow import (
    PRESETS,
    DisSettings,
    chain_to,
    clip_flows,
    estimate_flow,
    upsample_flow,
)
from tests.motion import translating_clip

STEP = (2, 1)  # px per frame (dx, dy) at the clip's full size


def _knobs(dis: cv2.DISOpticalFlow) -> tuple:
    return (
        dis.getFinestScale(),
        dis.getPatchSize(),
        dis.getPatchStride(),
        dis.getGradientDescentIterations(),
        dis.getVariationalRefinementIterations(),
    )


@pytest.mark.parametrize(
    ("name", "opencv", "finest"),
    [
        ("fast", cv2.DISOPTICAL_FLOW_PRESET_FAST, None),
        ("medium", cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, None),
        ("fine", cv2.DISOPTICAL_FLOW_PRESET_MEDIUM, 0),
    ],
)
def test_the_original_presets_keep_their_meaning(name, opencv, finest):
    """Old results stay reproducible: OpenCV's preset, "fine" only searching to full resolution."""
    expected = cv2.DISOpticalFlow_create(opencv)
    if finest is not None:
        expected.setFinestScale(finest)
    assert _knobs(PRESETS[name].create()) == _knobs(expected)
    assert PRESETS[name].max_side is None and PRESETS[name].check is None


def test_overrides_reach_opencv():
    s = DisSettings(finest_scale=0, patch_stride=4, descent_iterations=8, refinement_iterations=3)
    assert _knobs(s.create()) == (0, 8, 4, 8, 3)


@pytest.mark.parametrize("bad", ["slow", "FINE", ""])
def test_an_unknown_preset_is_a_value_error(bad):
    frame = torch.rand(3, 32, 32)
    with pytest.raises(ValueError, match="unknown DIS preset"):
        estimate_flow(frame, frame, preset=bad)
    with pytest.raises(ValueError, match="unknown DIS preset"):
        chain_to(frame[None].expand(2, -1, -1, -1), 0, preset=bad)


def test_bad_settings_are_value_errors():
    with pytest.raises(ValueError, match="unknown OpenCV DIS preset"):
        DisSettings(base="fine")
    with pytest.raises(ValueError, match="max_side"):
        DisSettings(max_side=8)


def test_upsample_flow_scales_each_component_by_its_own_ratio():
    flow = torch.ones(1, 2, 10, 20)  # (dx, dy) = (1, 1) px at 20 x 10
    up = upsample_flow(flow, (30, 40))  # to 40 x 30: x twice, y three times
    assert up.shape == (1, 2, 30, 40)
    assert torch.allclose(up[:, 0], torch.full((1, 30, 40), 2.0))
    assert torch.allclose(up[:, 1], torch.full((1, 30, 40), 3.0))


@pytest.mark.parametrize("max_side", [64, 96])
def test_capped_flow_recovers_the_translation_at_full_size(max_side):
    footage = translating_clip(frames=4, size=128, step=STEP)[0][:, :, :96]  # 128 x 96: not square
    capped = dataclasses.replace(PRESETS["fine"], max_side=max_side)
    flow, valid = chain_to(footage, 0, preset=capped)
    assert flow.shape == (4, 2, 96, 128) and valid.shape == (4, 1, 96, 128)
    inner = (slice(None), slice(16, -16), slice(16, -16))  # away from the borders
    for t in range(1, 4):
        exact = torch.tensor([t * STEP[0], t * STEP[1]], dtype=torch.float32)[:, None, None]
        err = (flow[t] - exact)[inner].abs()
        assert err.mean() < 0.1 and err.max() < 0.5, (t, float(err.mean()), float(err.max()))
        assert valid[t][inner].mean() > 0.95
    full, _ = chain_to(footage, 0, preset="fine")
    assert not torch.equal(full, flow)  # the cap did change the estimate


def test_a_cap_above_the_frame_size_changes_nothing():
    footage = translating_clip(frames=3, size=64, step=STEP)[0]
    fine = estimate_flow(footage[1], footage[0], preset="fine")
    capped = dataclasses.replace(PRESETS["fine"], max_side=64)
    assert torch.equal(estimate_flow(footage[1], footage[0], preset=capped), fine)
    assert torch.equal(estimate_flow(footage[1], footage[0], preset="fine-320"), fine)


@pytest.mark.parametrize("name", ["fine-320", "lean-320"])
def test_the_capped_presets_track_frames_above_the_cap(name):
    step = (4, 2)  # px per frame at 384 px: 3.3 / 1.7 px where DIS runs (320 px)
    footage = translating_clip(frames=3, size=384, step=step)[0]
    assert PRESETS[name].max_side == 320
    flow, valid = chain_to(footage, 0, preset=name)
    inner = (slice(None), slice(32, -32), slice(32, -32))
    exact = torch.tensor([2 * step[0], 2 * step[1]], dtype=torch.float32)[:, None, None]
    err = (flow[2] - exact)[inner].abs()
    assert err.mean() < 0.1 and err.max() < 0.5, (float(err.mean()), float(err.max()))
    assert valid[2][inner].mean() > 0.95


def test_the_check_runs_its_own_settings_and_leaves_the_track_alone(monkeypatch):
    footage = translating_clip(frames=3, size=64, step=STEP)[0]
    cheap = PRESETS["fast"]
    settings = dataclasses.replace(PRESETS["fine"], check=cheap)
    calls = []
    real = flow_module.estimate_flow

    def spy(frame, reference, *, preset):
        calls.append(preset)
        return real(frame, reference, preset=preset)

    monkeypatch.setattr(flow_module, "estimate_flow", spy)
    flow, _ = chain_to(footage, 0, preset=settings)
    assert calls == [settings, cheap, settings, cheap]  # per step: the track, then its reverse
    calls.clear()
    _, mask = clip_flows(footage, preset=settings)
    assert calls == [settings, cheap] and mask.shape == (2, 1, 64, 64)
    monkeypatch.undo()
    assert torch.equal(flow, chain_to(footage, 0, preset="fine")[0])
