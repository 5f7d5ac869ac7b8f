"""PSNR new: the keyframe role's PSNR over the pixels the keyframe never showed (``Clip.seen``)."""

from __future__ import annotations

import math
import shutil

import pytest
import torch

from camfuse.evaluation.clips import Clip, split_clips
from camfuse.evaluation.report import markdown
from camfuse.evaluation.runner import evaluate

T, S = 4, 64


class TruthButNew:
    """The ground truth wherever the keyframe showed the content, zeros where it never did."""

    name, label = "truth-but-new", "ground truth on seen pixels, black on unseen ones"

    def __init__(self, clip: Clip):
        self.clip = clip

    def __call__(self, painting, footage, *, keyframe):
        return self.clip.target * self.clip.seen


def clip(keyframe: int | None, widths=(1, 2, 3, 4), seen: bool = True) -> Clip:
    """Random frames; the ``widths[t]`` rightmost columns of frame t are unseen (not on frame k)."""
    g = torch.Generator().manual_seed(0)
    target = torch.rand(T, 3, S, S, generator=g) * 0.5 + 0.5  # no dark pixel: zeros are wrong
    painting = target[keyframe] if keyframe is not None else torch.rand(3, S, S, generator=g)
    mask = torch.ones(T, 1, S, S, dtype=torch.bool)
    for t in range(T):  # more new content the further from the keyframe, as in the generator
        if t != keyframe and widths[t]:
            mask[t, :, :, -widths[t] :] = False
    footage = torch.rand(T, 3, S, S, generator=g)
    return Clip("c", painting, footage, target, keyframe, "oil", mask if seen else None)


def by_group(results) -> dict[str, dict]:
    return {r.group: r.metrics for r in results if r.method == TruthButNew.name}


def test_psnr_new_is_the_pooled_error_on_unseen_pixels_only():
    c = clip(keyframe=0)
    results = evaluate([c], [TruthButNew(c)], long_term=2)
    m = by_group(results)["keyframe"]
    unseen = ~c.seen[1:]
    expected = 10 * math.log10(
        1 / float(c.target[1:].square().mul(unseen).sum() / (3 * unseen.sum()))
    )
    assert abs(m["psnr_new"] - expected) < 1e-3
    assert m["psnr_new"] < 5 and m["psnr_nonkey"] > 15 and m["psnr"] > m["psnr_nonkey"]
    truth = next(r for r in results if r.method == "ground-truth" and r.group == "keyframe")
    assert truth.metrics["psnr_new"] is None  # like PSNR: the truth is the reference, not measured


class Black:
    name, label = "black", "zeros"

    def __call__(self, painting, footage, *, keyframe):
        return torch.zeros_like(footage)


def test_psnr_new_is_not_measured_without_new_content_or_a_keyframe():
    def measure(*clips) -> dict[str, dict]:
        results = evaluate(clips, [Black()], reference=False, long_term=2)
        return {r.group: r.metrics for r in results}

    # keyframe 1; non-key frames 0, 2, 3: two unseen columns of frame 0 are 1.04 %, one is 0.52 %
    assert measure(clip(1, widths=(2, 0, 0, 0)))["keyframe"]["psnr_new"] is not None
    for name, c in {
        "below 1 %": clip(1, widths=(1, 0, 0, 0)),
        "no mask": clip(1, seen=False),
    }.items():
        m = measure(c)["keyframe"]
        assert m["psnr_nonkey"] is not None and m["psnr_new"] is None, name
    m = measure(clip(0), clip(None, seen=False))
    assert m["style"]["psnr_new"] is None
    assert m["keyframe"]["psnr_new"] is not None
    assert m["all"]["psnr_new"] == m["keyframe"]["psnr_new"]  # over the keyframe-role clips only


def test_the_report_has_a_psnr_new_column():
    c = clip(0)
    results = evaluate([c, clip(None, seen=False)], [TruthButNew(c)], long_term=2)
    rows = [r.to_dict() for r in results]
    assert all("psnr_new" in r for r in rows)  # report.json holds it for every row (None = –)
    md = markdown(rows, title="t", meta={}, extractor=None)
    head = next(line for line in md.splitlines() if line.startswith("| method"))
    col = head.split(" | ").index("PSNR new ↑")
    style = md.split("## style")[1].split("## all")[0]
    row = next(line for line in style.splitlines() if line.startswith(f"| {TruthButNew.name}"))
    assert row.split(" | ")[col] == "–"


def test_a_clip_with_a_bad_mask_is_rejected():
    c = clip(0)
    with pytest.raises(ValueError, match="seen mask"):
        Clip("c", c.painting, c.footage, c.target, 0, "oil", c.seen[:, :, :8])


def test_split_clips_carry_the_generator_mask(tmp_path):
    from camfuse.data.splits import write_split

    root = write_split(tmp_path / "split", samples=2, frames=6, size=S, seed=3, painters=["oil"])
    key, style = split_clips(root)
    assert (
        key.role == "keyframe" and key.seen.shape == (6, 1, S, S) and key.seen.dtype == torch.bool
    )
    assert style.role == "style" and style.seen is None
    m = by_group(evaluate([key], [TruthButNew(key)], long_term=2))["keyframe"]
    assert m["psnr_new"] < 10 < m["psnr_nonkey"]  # black on real new content, exact elsewhere
    for d in root.glob("*/seen"):
        shutil.rmtree(d)
    assert all(c.seen is None for c in split_clips(root))  # old splits: no column, no error
