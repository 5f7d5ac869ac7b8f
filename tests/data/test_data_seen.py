"""``seen``: which pixels of each frame the keyframe showed (the rest is new content to paint)."""

import numpy as np
import torch

from camfuse.data import synth
from camfuse.data.synth import generate_sample

FRAMES = 8


def keyframe_clip(seed: int, monkeypatch, **kwargs) -> tuple[dict, dict]:
    """A keyframe-role sample, and the exact flow (S, S, 2) of each frame t to k under ``seen``."""
    flows = {}
    real = synth.correspondence

    def spy(layers, t, k, label_t, stable_k):
        flow, valid = real(layers, t, k, label_t, stable_k)
        flows[t] = flow
        return flow, valid

    monkeypatch.setattr(synth, "correspondence", spy)
    s = generate_sample(seed, size=64, frames=FRAMES, role="keyframe", **kwargs)
    monkeypatch.undo()
    return s, flows


def test_keyframe_is_seen_and_far_frames_are_not():
    for seed in range(3):
        s = generate_sample(seed, size=64, frames=FRAMES, role="keyframe", painters=["oil"])
        seen, k = s["seen"][:, 0].float(), int(s["keyframe"])
        assert seen[k].mean() > 0.8  # all but blended cut-out edges and their neighbours (64 px)
        far = 0 if k >= FRAMES / 2 else FRAMES - 1
        assert seen[far].mean() < seen[k].mean() - 0.05, (seed, k, seen.mean((1, 2)))
        if k + 1 < FRAMES:  # the next frame's backward flow is the same geometry, same test
            assert torch.equal(s["seen"][k + 1], s["valid"][k].bool())


def test_unseen_fraction_grows_with_distance_to_the_keyframe():
    by_distance: dict[int, list[float]] = {}
    for seed in range(6):
        s = generate_sample(seed, size=48, frames=FRAMES, role="keyframe", painters=["cel"])
        k = int(s["keyframe"])
        for t in range(FRAMES):
            unseen = 1 - s["seen"][t].float().mean().item()
            by_distance.setdefault(abs(t - k), []).append(unseen)
    mean = {d: np.mean(v) for d, v in sorted(by_distance.items())}
    near = np.mean([v for d, v in mean.items() if d <= 2])
    far = np.mean([v for d, v in mean.items() if d >= 5])
    assert far > near + 0.1 and mean[0] < 0.15, mean


def test_warping_the_keyframe_reproduces_seen_pixels(monkeypatch, backward_warp, masked_error):
    moved = 0
    for seed in range(3):
        s, flows = keyframe_clip(100 + seed, monkeypatch, painters=["oil"])
        k, target, seen = int(s["keyframe"]), s["target"], s["seen"].float()
        t = 0 if k >= FRAMES / 2 else FRAMES - 1
        flow = torch.from_numpy(flows[t]).permute(2, 0, 1)[None]  # (1, 2, S, S), t -> k
        warped = backward_warp(target[k][None], flow)
        err = masked_error(warped, target[t][None], seen[t][None])
        assert err < 0.01, (seed, err)
        still = masked_error(target[k][None], target[t][None], seen[t][None])
        if flow.norm(dim=1).mean() > 3:  # the frames are far apart: the geometry must matter
            moved += 1
            assert still > 5 * err, (seed, still, err)
        new = masked_error(warped, target[t][None], 1 - seen[t][None])
        assert new > 5 * err, (seed, new, err)  # what the keyframe never showed, it cannot give
    assert moved >= 2


def test_still_clip_sees_what_the_keyframe_sees():
    s = generate_sample(9, size=48, frames=4, role="keyframe", motion=0.0)
    seen = s["seen"]
    assert seen.float().mean() > 0.85  # frame borders included: round-off must not drop them
    for t in range(4):
        assert torch.equal(seen[t], seen[int(s["keyframe"])])
