"""Brush marks where the fill paints: the keyframe's detail copied where the footage looks alike."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from camfuse.render.strokes import CELL, StrokeCopy

h, w, SCALE = 64, 128, 4  # the working size and the output's scale over it


def world(seed: int) -> torch.Tensor:
    """(3, h, w) footage with structure at several scales."""
    g = torch.Generator().manual_seed(seed)
    coarse = F.interpolate(torch.rand(1, 3, h // 8, w // 8, generator=g), size=(h, w),
                           mode="bicubic", align_corners=False)  # fmt: skip
    return (0.7 * coarse + 0.3 * torch.rand(1, 3, h, w, generator=g))[0].clamp(0, 1)


def marks(seed: int) -> torch.Tensor:
    """(3, H, W) zero-mean detail at the output size: strokes 2 px by 8."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(1, 1, h * SCALE // 2, w * SCALE // 8, generator=g) - 0.5
    return F.interpolate(x, size=(h * SCALE, w * SCALE), mode="bicubic")[0].repeat(3, 1, 1)


def pasted(copied, detail: torch.Tensor) -> torch.Tensor:
    """StrokeCopy's blocks -> the copy at the output's size, zero outside them."""
    out = torch.zeros_like(detail)
    for marks_, (ys, xs) in copied:
        assert not out[:, ys, xs].any()  # the blocks do not overlap
        out[:, ys, xs] = marks_
    return out


def test_the_keyframe_itself_gets_its_own_detail_back():
    key, detail = world(0), marks(1)
    out = pasted(StrokeCopy(key, detail)(key, torch.ones(1, h, w)), detail)
    assert out.shape == detail.shape
    assert float((out - detail).abs().amax()) < 1e-3


def test_content_that_moved_copies_the_detail_it_had_in_the_keyframe():
    key, detail = world(0), marks(1)
    shift = 2 * CELL  # working-size px, whole cells
    frame = torch.roll(key, shift, dims=-1)
    out = pasted(StrokeCopy(key, detail)(frame, torch.ones(1, h, w)), detail)
    moved = torch.roll(detail, shift * SCALE, dims=-1)
    inner = (slice(None), slice(16, -16), slice(64, -64))
    err, energy = (out - moved)[inner].square().mean(), moved[inner].square().mean()
    assert float(err) < 0.05 * float(energy)  # the strokes came along, whole


def test_a_still_frame_keeps_its_marks_from_one_frame_to_the_next():
    key, detail = world(0), marks(1)
    copy = StrokeCopy(key, detail)
    frame = world(7)  # another scene: every cell searches the keyframe
    g = torch.Generator().manual_seed(3)
    first = pasted(copy(frame, torch.ones(1, h, w)), detail)
    noisy = (frame + 0.01 * torch.randn(frame.shape, generator=g)).clamp(0, 1)  # sensor noise
    second = pasted(copy(noisy, torch.ones(1, h, w)), detail)
    assert torch.equal(first, second)  # the last frame's matches held: no boiling
    assert float(first.square().mean()) > 0.5 * float(detail.square().mean())  # marks, not a wash


def test_only_the_cells_the_fill_paints_are_copied():
    key, detail = world(0), marks(1)
    need = torch.zeros(1, h, w)
    need[:, :, : w // 2] = 1
    copy = StrokeCopy(key, detail)
    out = pasted(copy(world(7), need), detail)
    # the left half and one cell beyond it (the bilinear join to the neighbours), nothing further
    assert float(out[:, :, : w * SCALE // 2].square().mean()) > 0.5 * float(
        detail.square().mean()
    )  # marks where the fill paints
    assert not out[:, :, (w // 2 + CELL) * SCALE :].any()
    assert copy(world(7), torch.zeros(1, h, w)) == []  # nowhere to paint: nothing computed


def test_a_region_that_changed_is_repainted_with_the_keyframes_marks_not_a_wash():
    from camfuse.config import load_config
    from camfuse.models import CamFuse
    from camfuse.render import stylise

    cfg = load_config("tiny").with_overrides(["model.sampling=true"])
    torch.manual_seed(0)
    model = CamFuse(cfg.model).eval()
    W, H = w * SCALE, h * SCALE
    scene = F.interpolate(world(0)[None], size=(H, W), mode="bilinear")[0]
    painted = (scene + 0.6 * marks(1)).clamp(0, 1)
    changed = scene.clone()
    box = (slice(None), slice(H // 4, 3 * H // 4), slice(W // 4, W // 2))
    changed[box] = 1 - changed[box]  # the surface there turned into something else
    as_u8 = lambda x: (x * 255).round().byte().permute(1, 2, 0).numpy()  # noqa: E731

    def render(strokes: bool):
        frames = [as_u8(scene), as_u8(changed)]
        return list(
            stylise(
                model,
                as_u8(painted),
                iter(frames),
                total=2,
                out_size=(W, H),
                size=(w, h),
                keyframe=0,
                window=2,
                overlap=0,
                strokes=strokes,
            )  # fmt: skip
        )[1]

    def energy(image) -> float:
        x = torch.from_numpy(image).float().mean(-1)[None, None] / 255
        hp = (x - F.avg_pool2d(x, 5, 1, 2, count_include_pad=False))[0, 0]
        return float(hp[H // 4 + 16 : 3 * H // 4 - 16, W // 4 + 16 : W // 2 - 16].square().mean())

    reference = energy(as_u8(painted))  # the marks' own energy in that box, in the keyframe
    assert energy(render(False)) < 0.3 * reference  # the fill alone: a soft wash
    assert energy(render(True)) > 0.5 * reference  # repainted with marks
