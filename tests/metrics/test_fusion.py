from functools import cache

import pytest
import torch
import torch.nn.functional as F

from camfuse.metrics import fusion_degree

from .conftest import sample

SEEDS = (0, 1, 2, 3, 4, 5)


@cache
def _scores(role: str, which: str) -> list[dict[str, float]]:
    out = []
    for seed in SEEDS:
        s = sample(seed, role, 4)
        footage, painting = s["footage"], s["painting"]
        output = {
            "footage": footage,
            "painting": painting[None].expand_as(footage),
            "target": s["target"],
        }[which]
        out.append(fusion_degree(output, footage, painting))
    return out


def _mean(rows: list[dict[str, float]], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows)


def test_footage_itself_scores_low_on_style():
    foot, target = _scores("keyframe", "footage"), _scores("keyframe", "target")
    assert all(r["content"] == pytest.approx(1.0, abs=1e-5) for r in foot)
    assert _mean(foot, "style") < 0.35 < 0.8 < _mean(target, "style")
    assert _mean(target, "mfd") > _mean(foot, "mfd") + 0.2


def test_painting_itself_scores_low_on_content():
    # style reference: the painting shows another photo, so its content is unrelated
    paint, target = _scores("style", "painting"), _scores("style", "target")
    assert all(r["style"] > 0.95 for r in paint)
    assert _mean(paint, "content") < 0.1 < 0.4 < _mean(target, "content")
    assert _mean(paint, "mfd") < 0.15
    # keyframe: the painting is the exact answer for one frame, still the truth beats it
    paint, target = _scores("keyframe", "painting"), _scores("keyframe", "target")
    assert all(t["mfd"] > p["mfd"] for t, p in zip(target, paint, strict=True))
    assert _mean(target, "content") > _mean(paint, "content") + 0.08


def test_painting_of_another_size_and_determinism():
    s = sample(0, "keyframe", 4)
    footage, target, painting = s["footage"], s["target"], s["painting"]
    big = F.interpolate(painting[None], size=(96, 128), mode="bilinear", antialias=True)[0]
    same = fusion_degree(target, footage, painting)
    other = fusion_degree(target, footage, big)
    assert other == fusion_degree(target, footage, big)  # fixed projections: deterministic
    assert other["content"] == same["content"]
    assert other["style"] > 0.5  # same painting, other size and aspect: still its style
    assert all(0.0 <= v <= 1.0 for v in other.values())


def test_bad_inputs():
    s = sample(0, "keyframe", 4)
    with pytest.raises(ValueError, match="painting must be"):
        fusion_degree(s["target"], s["footage"], s["painting"][None])
    with pytest.raises(ValueError, match="tau"):
        fusion_degree(s["target"], s["footage"], s["painting"], tau=0)
    with pytest.raises(ValueError, match="differ in shape"):
        fusion_degree(s["target"][:2], s["footage"], s["painting"])
    assert fusion_degree(torch.zeros(2, 3, 8, 8), torch.zeros(2, 3, 8, 8), torch.zeros(3, 8, 8))
