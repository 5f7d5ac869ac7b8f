import numpy as np
import pytest
import torch

from camfuse.data.painters import PAINTERS
from camfuse.data.synth import generate_sample

KEYS = {
    "painting",
    "footage",
    "target",
    "flow",
    "valid",
    "seen",
    "role",
    "keyframe",
    "seed",
    "painter",
    "params",
}


@pytest.mark.parametrize("role", ["keyframe", "style"])
def test_sample_shapes_ranges_and_roles(role):
    s = generate_sample(3, size=48, frames=3, role=role)
    assert set(s) == KEYS
    assert s["painting"].shape == (3, 48, 48)
    assert s["footage"].shape == s["target"].shape == (3, 3, 48, 48)
    assert s["flow"].shape == (2, 2, 48, 48) and s["valid"].shape == (2, 1, 48, 48)
    for k in ("painting", "footage", "target", "flow", "valid"):
        assert s[k].dtype == torch.float32 and torch.isfinite(s[k]).all()
    for k in ("painting", "footage", "target", "valid"):
        assert 0 <= s[k].min() and s[k].max() <= 1
    assert set(s["valid"].unique().tolist()) <= {0.0, 1.0}
    assert s["seen"].shape == (3, 1, 48, 48) and s["seen"].dtype == torch.bool
    for k in ("role", "keyframe", "seed"):
        assert s[k].dtype == torch.int64 and s[k].ndim == 0
    assert s["painter"] in PAINTERS and isinstance(s["params"], str)
    if role == "keyframe":
        assert int(s["role"]) == 0 and 0 <= int(s["keyframe"]) < 3
        assert torch.equal(s["painting"], s["target"][int(s["keyframe"])])
    else:
        assert int(s["role"]) == 1 and int(s["keyframe"]) == -1
        assert not s["seen"].any()  # no keyframe: nothing was shown
        for t in range(3):
            assert (s["painting"] - s["target"][t]).abs().mean() > 0.05


def test_same_seed_same_sample_other_seed_differs():
    a, b, c = (generate_sample(s, size=32, frames=2) for s in (5, 5, 6))
    for k in KEYS:
        assert torch.equal(a[k], b[k]) if isinstance(a[k], torch.Tensor) else a[k] == b[k]
    assert not torch.equal(a["target"], c["target"]) and not torch.equal(a["footage"], c["footage"])


def test_ground_truth_flow_reproduces_the_painted_frames(backward_warp, masked_error):
    moving = 0
    for i, name in enumerate(sorted(PAINTERS)):
        s = generate_sample(100 + i, size=96, frames=3, painters=[name])
        target, flow, valid = s["target"], s["flow"], s["valid"]
        assert valid.mean() > 0.5
        err = masked_error(backward_warp(target[:-1], flow), target[1:], valid)
        assert err < 0.02, (name, err)
        if flow.norm(dim=1).mean() > 1.5:  # real motion: the flow must matter
            moving += 1
            still = masked_error(target[:-1], target[1:], valid)
            assert still > 0.02 and still > 2 * err, (name, still, err)
    assert moving >= 3


def test_cutouts_occlude_and_camera_leaves_frame():
    invalid_inside, invalid_border = 0.0, 0.0
    for seed in range(4):
        v = generate_sample(seed, size=64, frames=3, max_cutouts=3)["valid"]
        invalid_inside += float((1 - v[..., 8:-8, 8:-8]).mean())
        invalid_border += float((1 - v[..., :, :2]).mean() + (1 - v[..., :, -2:]).mean())
    assert invalid_inside > 0.01  # occlusion / disocclusion by moving cut-outs
    assert invalid_border > 0.01  # content entering the frame has no past


def test_still_camera_has_zero_flow_and_static_frames():
    s = generate_sample(9, size=48, frames=3, motion=0.0)
    assert s["flow"].abs().max() < 1e-3
    assert torch.equal(s["target"][0], s["target"][1])
    moving = generate_sample(9, size=48, frames=3, motion=1.0)
    assert moving["valid"].mean() < s["valid"].mean()


def test_camera_effects_touch_footage_only():
    a = generate_sample(4, size=48, frames=3, camera_effects=True)
    b = generate_sample(4, size=48, frames=3, camera_effects=False)
    assert torch.equal(a["target"], b["target"]) and torch.equal(a["flow"], b["flow"])
    assert (a["footage"] - b["footage"]).abs().mean() > 0.003


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="role"):
        generate_sample(0, size=32, frames=2, role="paint-over")
    with pytest.raises(ValueError, match="painter"):
        generate_sample(0, size=32, frames=2, painters=["sepia"])
    with pytest.raises(ValueError, match="frames"):
        generate_sample(0, size=32, frames=0)


def test_single_frame_clip_has_empty_flow():
    s = generate_sample(2, size=32, frames=1, role="keyframe")
    assert s["target"].shape == (1, 3, 32, 32) and int(s["keyframe"]) == 0
    assert s["flow"].shape == (0, 2, 32, 32) and s["valid"].shape == (0, 1, 32, 32)
    assert s["seen"].shape == (1, 1, 32, 32) and s["seen"].float().mean() > 0.8


def test_user_image_folder_as_source(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (40, 50, 3), dtype=np.uint8)).save(
            tmp_path / f"{i}.png"
        )
    s = generate_sample(1, size=32, frames=2, sources=[str(tmp_path)])
    assert s["target"].shape == (2, 3, 32, 32)
    with pytest.raises(ValueError, match="data source"):
        generate_sample(1, size=32, frames=2, sources=[str(tmp_path / "missing")])
