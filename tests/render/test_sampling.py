"""stylise with the painting-sampling path: guides streamed along the whole shot, and the palette."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from camfuse.config import load_config
from camfuse.guide.palette import fit_palette
from camfuse.guide.track import clip_guide
from camfuse.models import CamFuse
from camfuse.render import stylise
from tests.motion import translating_clip

N, K = 6, 3  # frames, keyframe in the middle
INNER = (slice(8, -8), slice(8, -8))  # (H, W) of an (H, W, 3) image: seen in every frame


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """(..., 3, H, W) float -> (..., H, W, 3) uint8."""
    return (x.clamp(0, 1) * 255).round().to(torch.uint8).movedim(-3, -1).numpy()


def to_float(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x)).movedim(-1, -3).float() / 255


@pytest.fixture(scope="module")
def model() -> CamFuse:
    cfg = load_config("tiny").with_overrides(["model.sampling=true"])  # windows of 3 frames
    torch.manual_seed(0)
    return CamFuse(cfg.model).eval()


@pytest.fixture(scope="module")
def clip() -> tuple[np.ndarray, np.ndarray]:
    """uint8 (N, 64, 64, 3) footage panning 2 px right, 1 px down a frame, and its paint-over."""
    footage, painted = translating_clip(frames=N)
    return to_uint8(footage), to_uint8(painted)


def run(model, painting, frames, keyframe, **kw) -> list[np.ndarray]:
    kw = {"window": 3, "overlap": 1, **kw}
    return list(
        stylise(
            model,
            painting,
            iter(list(frames)),
            total=len(frames),
            out_size=(64, 64),
            size=(64, 64),
            keyframe=keyframe,
            **kw,
        )
    )


def diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(int) - b.astype(int))


def test_keyframe_role_follows_the_paint_over_through_every_window(model, clip):
    footage, painted = clip
    out = run(model, painted[K], footage, K)
    assert len(out) == N and all(o.shape == (64, 64, 3) and o.dtype == np.uint8 for o in out)
    assert diff(out[K], painted[K]).max() <= 2  # alpha ~ 0.98 on the warp, the rest recoloured
    for t in range(N):
        # the untrained model renders the warp, tracked from K across windows that do not hold K
        err, base = diff(out[t], painted[t])[INNER].mean(), diff(footage[t], painted[t]).mean()
        assert err < 2 and err < 0.05 * base, (t, err, base)


@pytest.mark.parametrize("flow", [None, "medium", "lean-320"])
def test_keyframe_role_is_the_guide_blend(model, clip, flow):
    """... of the guide tracked with the chosen DIS preset (default: the guide's RENDER_FLOW)."""
    footage, painted = clip
    out = run(model, painted[K], footage, K, **({"flow": flow} if flow else {}))
    g = clip_guide(to_float(painted[K]), to_float(footage), K, **({"preset": flow} if flow else {}))
    alpha = torch.sigmoid(4 * (2 * g[:, 3:4] - 1))
    expected = to_uint8(alpha * g[:, :3] + (1 - alpha) * g[:, 4:])
    assert max(diff(o, e).max() for o, e in zip(out, expected, strict=True)) <= 1


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """A style reference with a palette unlike the footage's: warm, no blue."""
    r = torch.rand(3, 64, 64, generator=torch.Generator().manual_seed(5))
    return to_uint8(torch.stack([0.6 + 0.4 * r[0], 0.3 * r[1], 0.2 + 0.2 * r[2]]))


def test_style_role_without_palette_is_the_models_output(model, clip, reference):
    footage = clip[0][:3]
    head = model.head.rgb
    saved = head.weight.detach().clone(), head.bias.detach().clone()
    try:  # a model whose output is not just its input: the residual head is switched on
        with torch.no_grad():
            head.weight.normal_(0, 0.5, generator=torch.Generator().manual_seed(0))
        out = run(model, reference, footage, None, palette=False)
        f = to_float(footage)
        with torch.no_grad():
            direct = model(
                to_float(reference)[None],
                f[None],
                role=torch.tensor([1]),
                keyframe=torch.tensor([-1]),
                guide=clip_guide(to_float(reference), f, None)[None],
            ).frames[0]
    finally:
        with torch.no_grad():
            head.weight.copy_(saved[0]), head.bias.copy_(saved[1])
    assert diff(np.stack(out), footage).mean() > 2  # the check below can fail
    assert max(diff(o, e).max() for o, e in zip(out, to_uint8(direct), strict=True)) <= 1


def test_style_role_palette_on_and_off(model, clip, reference):
    footage = clip[0][:3]
    off = run(model, reference, footage, None, palette=False)
    on = run(model, reference, footage, None, palette=True)
    assert len(on) == len(off) == 3
    assert max(diff(o, f).max() for o, f in zip(off, footage, strict=True)) <= 1  # untrained
    assert min(diff(a, b).mean() for a, b in zip(on, off, strict=True)) > 20
    mean = lambda x: np.stack(x).reshape(-1, 3).mean(0) / 255  # noqa: E731
    assert np.abs(mean(on) - mean([reference])).max() < 0.03
    # one map, fitted on the shot's first frames side by side (all 3 here), applied to every frame
    palette = fit_palette(torch.cat([to_float(o) for o in off], dim=-1), to_float(reference))
    again = to_uint8(palette(to_float(np.stack(off))))
    assert max(diff(a, b).max() for a, b in zip(on, again, strict=True)) <= 2


def test_keyframe_role_ignores_the_palette_switch(model, clip):
    footage, painted = clip
    a = run(model, painted[K], footage[:4], K, palette=True)
    b = run(model, painted[K], footage[:4], K, palette=False)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
