"""--resolution full: the output has the footage's size and the paint-over's own detail."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from camfuse.config import load_config
from camfuse.models import CamFuse
from camfuse.render import stylise

W, H, STEP, N = 1920, 1080, (6, 2), 4  # a 1080p pan, 6 px right and 2 down a frame


@pytest.fixture(scope="module")
def model() -> CamFuse:
    cfg = load_config("tiny").with_overrides(["model.sampling=true"])
    torch.manual_seed(0)
    return CamFuse(cfg.model).eval()


@pytest.fixture(scope="module")
def pan() -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, H, W, 3) footage panning over a smooth world, and the same world painted with
    fine strokes fixed to it (the ground truth of a paint-over carried exactly)."""
    g = torch.Generator().manual_seed(5)
    big = (H + N * STEP[1] + 8, W + N * STEP[0] + 8)
    world = F.interpolate(torch.rand(1, 3, big[0] // 64, big[1] // 64, generator=g), size=big,
                          mode="bicubic", align_corners=False)[0].clamp(0, 1)  # fmt: skip
    marks = F.interpolate(torch.rand(1, 1, big[0] // 3, big[1] // 12, generator=g), size=big,
                          mode="bicubic", align_corners=False)[0]  # fmt: skip
    painted = (0.6 * world + 0.8 * (marks - 0.5)).clamp(0, 1)  # strokes 3 px by 12

    def crops(image: torch.Tensor) -> np.ndarray:
        x = [
            image[:, t * STEP[1] : t * STEP[1] + H, t * STEP[0] : t * STEP[0] + W] for t in range(N)
        ]
        return (torch.stack(x) * 255).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()

    return crops(world), crops(painted)


def high_pass(image: np.ndarray) -> torch.Tensor:
    """Luminance minus its 5x5 box mean, on the centre (away from the pan's uncovered edge)."""
    x = torch.from_numpy(image).float().mean(-1)[None, None] / 255
    hp = (x - F.avg_pool2d(x, 5, 1, 2, count_include_pad=False))[0, 0]
    return hp[64:-64, 64:-64]


def render(model, footage, painted, resolution):
    return list(
        stylise(
            model,
            painted[0],
            iter(footage),
            total=len(footage),
            out_size=(W, H),
            size=(128, 64),
            keyframe=0,
            window=2,
            overlap=0,
            resolution=resolution,
        )  # fmt: skip
    )


def test_full_resolution_keeps_the_paint_overs_detail_on_a_1080p_pan(model, pan):
    footage, painted = pan
    full, small = render(model, footage, painted, "full"), render(model, footage, painted, "model")
    assert all(f.shape == (H, W, 3) and f.dtype == np.uint8 for f in full + small)
    for t in range(1, N):
        truth, out, soft = high_pass(painted[t]), high_pass(full[t]), high_pass(small[t])
        ratio = float(out.square().mean() / truth.square().mean())
        assert 0.85 < ratio < 1.15  # the strokes' energy, neither lost nor doubled
        assert float(torch.corrcoef(torch.stack([out.flatten(), truth.flatten()]))[0, 1]) > 0.9
        assert float(soft.square().mean() / truth.square().mean()) < 0.3  # 256-px path: a wash


def test_a_paint_over_larger_than_the_footage_is_used_at_the_output_size(model, pan):
    footage, painted = pan
    big = np.repeat(np.repeat(painted[0], 2, 0), 2, 1)  # "4K" paint-over of 1080p footage
    out = render(model, footage[:1], big[None], "full")[0]
    assert out.shape == (H, W, 3)
    ratio = float(high_pass(out).square().mean() / high_pass(painted[0]).square().mean())
    assert 0.85 < ratio < 1.15


def test_the_fill_is_scaled_up_with_the_frames_own_edges_and_no_texture_where_it_is_flat():
    from camfuse.render.detail import guided_upsample, resize

    guide = torch.zeros(1, 256, 256)
    guide[:, :, 128:] = 1  # a hard vertical edge in the full-size frame
    paint = 0.2 + 0.6 * guide.repeat(3, 1, 1)  # the paint follows it
    low = resize(paint, (64, 64))  # what the fill paints at the working size: a soft edge
    sharp, soft = guided_upsample(low, guide, (64, 64)), resize(low, (256, 256))
    step = lambda x: float((x[:, :, 1:] - x[:, :, :-1]).abs().amax())  # noqa: E731
    assert step(sharp) > 0.5 > step(soft) * 2  # the edge is crisp again
    assert float((sharp - paint).abs().mean()) < float((soft - paint).abs().mean()) / 2
    flat = torch.full((1, 256, 256), 0.5)
    assert torch.allclose(guided_upsample(low, flat, (64, 64)), soft, atol=1e-4)
