"""Per-shot adaptation (render/adapt.py), strength as a pixel mix, and shots in the render."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from camfuse.guide.colour import fit_regression
from camfuse.guide.track import clip_guide
from camfuse.models.shot_painter import ShotPainter
from camfuse.render.adapt import (
    AdaptedFill,
    AdaptSettings,
    adapt,
    augment,
    fit_features,
    shot_hash,
    train,
)
from camfuse.render.plan import adapt_steps

FAST = AdaptSettings(steps=40, patch=32, batch=4, perceptual=0.0)


@pytest.fixture(scope="module")
def pair():
    """A keyframe of flat blocks and a 'painting' of it that no colour map can express: the same
    blocks with dark outlines (a cel-like look)."""
    g = torch.Generator().manual_seed(0)
    key = torch.nn.functional.interpolate(torch.rand(1, 3, 8, 8, generator=g), size=64)[0]
    dx = key.diff(dim=-1, prepend=key[..., :1]).abs().sum(0)
    dy = key.diff(dim=-2, prepend=key[..., :1, :]).abs().sum(0)
    edges = ((dx + dy) > 0.05).float()
    return key, (key * (1 - 0.9 * edges)).clamp(0, 1)


def test_an_untrained_painter_is_its_base_map(pair):
    key, paint = pair
    colours = fit_regression(key, paint)
    fill = AdaptedFill(ShotPainter(), colours)
    assert torch.allclose(fill(key), colours(key[None])[0], atol=1e-6)


def _surfaces(textured: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Footage: grey, with a fine checker where ``textured`` (H, W) is true; the 'paint' colours
    the textured surface orange and the smooth one blue: the same colours in, different out."""
    h, w = textured.shape
    yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    checker = ((yy // 2 + xx // 2) % 2).float() - 0.5
    footage = (0.5 + 0.3 * checker * textured).expand(3, h, w)
    orange, blue = torch.tensor([0.9, 0.5, 0.1]), torch.tensor([0.1, 0.3, 0.8])
    paint = torch.where(textured, orange[:, None, None], blue[:, None, None])
    return footage.clone(), paint


def test_the_feature_map_tells_surfaces_apart_where_colours_cannot(one_thread):
    xx = torch.arange(96)[None].expand(96, 96)
    key, paint = _surfaces(xx >= 48)  # textured on the right
    features, colours = fit_features(key, paint), fit_regression(key, paint)
    other, truth = _surfaces(xx.T < 40)  # unseen layout: textured at the top
    err = lambda f: (f(other[None])[0] - truth).abs().mean()  # noqa: E731
    assert err(features) < 0.5 * err(colours), (err(features), err(colours))


def test_the_feature_map_projects_before_upsampling_without_changing_the_map(one_thread):
    """forward() folds the standardisation into the weights and projects each feature level at its
    own stride: the same ridge map as on the full-size hypercolumn columns fit_features uses."""
    g = torch.Generator().manual_seed(0)
    key = torch.rand(3, 72, 128, generator=g)
    fm = fit_features(key, (0.8 * key.flip(0) + 0.1).clamp(0, 1))
    x = torch.rand(1, 3, 80, 144, generator=g)  # another size: the features' strides round up
    columns = ((fm.columns(x) - fm.mean) / fm.std @ fm.weights).movedim(-1, 1).clamp(0, 1)
    assert (fm(x) - columns).abs().max() < 1e-5


def test_adapt_with_no_steps_is_the_feature_map_alone_and_caches_nothing(pair, tmp_path):
    key, paint = pair
    fill = adapt(key, paint, AdaptSettings(steps=0), cache=tmp_path)
    assert fill.painter is None and list(tmp_path.iterdir()) == []
    assert torch.allclose(fill(key), fit_features(key, paint)(key[None])[0], atol=1e-6)


def test_adaptation_lowers_the_loss_and_beats_the_colour_map(pair):
    key, paint = pair
    colours = fit_regression(key, paint)
    torch.manual_seed(0)
    painter = ShotPainter()
    losses = train(painter, colours, key, paint, AdaptSettings(steps=300, patch=32, batch=4,
                                                               perceptual=0.0))  # fmt: skip
    assert np.mean(losses[-30:]) < 0.9 * np.mean(losses[:30])
    fill = AdaptedFill(painter, colours)
    err_map = (colours(key[None])[0] - paint).abs().mean()
    err_adapted = (fill(key) - paint).abs().mean()
    assert err_adapted < err_map


def test_augment_makes_patches_of_both_with_the_same_geometry():
    g = torch.Generator().manual_seed(1)
    image = torch.rand(1, 3, 48, 40, generator=g)
    frames, target = augment(torch.cat([image, image], dim=1), 16, 5, g)
    assert frames.shape == target.shape == (5, 3, 16, 16)
    # the footage differs only photometrically: a monotone map of the target, plus noise
    corr = [
        np.corrcoef(f.flatten(), t.flatten())[0, 1] for f, t in zip(frames, target, strict=True)
    ]
    assert min(corr) > 0.8


def test_the_cache_hits_for_the_same_shot_and_misses_for_another(pair, tmp_path):
    key, paint = pair
    first = adapt(key, paint, FAST, cache=tmp_path)
    files = list(tmp_path.iterdir())
    assert len(files) == 1 and files[0].name == f"{shot_hash(key, paint, FAST)}.safetensors"
    calls = []
    again = adapt(key, paint, FAST, cache=tmp_path, on_progress=lambda *a: calls.append(a))
    assert calls == []  # loaded, not trained
    assert torch.equal(first(key), again(key))
    adapt(key, paint.flip(-1), FAST, cache=tmp_path)  # another painting: another entry
    assert len(list(tmp_path.iterdir())) == 2


def test_a_damaged_cache_entry_is_trained_again(pair, tmp_path):
    key, paint = pair
    path = tmp_path / f"{shot_hash(key, paint, FAST)}.safetensors"
    path.write_bytes(b"not a state dict")
    calls = []
    adapt(key, paint, FAST, cache=tmp_path, on_progress=lambda *a: calls.append(a))
    assert len(calls) == FAST.steps


@pytest.mark.parametrize(("text", "steps"), [("auto", "auto"), ("off", None), ("0", 0), ("25", 25)])
def test_adapt_option(text, steps):
    from camfuse.render.adapt import AUTO_STEPS

    assert adapt_steps(text) == (AUTO_STEPS if steps == "auto" else steps)
    # auto is the feature map alone in both roles: the painter's steps did not pay on held-out clips
    assert AUTO_STEPS == 0


@pytest.mark.parametrize("text", ["-1", "many", "1e3", "200000"])
def test_adapt_option_refuses_nonsense(text):
    with pytest.raises(ValueError, match="--adapt"):
        adapt_steps(text)


def test_the_fill_paints_the_untracked_pixels_and_no_track_crosses_a_cut(pair):
    key, paint = pair
    footage = torch.stack([key.roll(i, -1) for i in range(6)])
    marker = lambda f: torch.full_like(f, 0.5)  # noqa: E731
    g = clip_guide(paint, footage, 2, preset="medium", fill=marker)
    assert torch.equal(g[:, 4:], torch.full_like(g[:, 4:], 0.5))  # the fill is the fallback
    from camfuse.guide.track import stream_guides

    shots = [range(0, 1), range(1, 4), range(4, 6)]  # cuts before frame 1 and before frame 4
    guides = torch.stack([x for _, x in stream_guides(paint, footage, 2, preset="medium",
                                                      shots=shots)])  # fmt: skip
    conf = guides[:, 3].flatten(1).mean(1)
    assert conf[0] == 0 and conf[4] == 0 and conf[5] == 0  # other shots: nothing carried
    assert conf[1] > 0.5 and conf[2] == 1 and conf[3] > 0.5


def test_strength_mixes_monotonically_from_the_footage(tmp_path):
    from camfuse.config import load_config
    from camfuse.models import CamFuse
    from camfuse.render import stylise

    torch.manual_seed(0)
    model = CamFuse(load_config("tiny").model).eval()
    rng = np.random.default_rng(0)
    painting = (rng.random((48, 48, 3)) * 255).astype(np.uint8)
    frames = [(rng.random((48, 48, 3)) * 255).astype(np.uint8) for _ in range(4)]
    diffs = []
    for s in (0.0, 0.25, 0.5, 0.75, 1.0):
        out = list(stylise(model, painting, iter(frames), total=4, out_size=(48, 48),
                           size=(48, 48), keyframe=None, strength=s, window=2, overlap=0))  # fmt: skip
        diffs.append(
            np.mean([np.abs(o.astype(float) - f) for o, f in zip(out, frames, strict=True)])
        )
        if s == 0:
            assert all(np.array_equal(o, f) for o, f in zip(out, frames, strict=True))
    assert all(a < b for a, b in zip(diffs, diffs[1:], strict=False)), diffs


def test_adaptation_runs_inside_inference_mode(pair):
    key, paint = pair
    with torch.inference_mode():
        fill = adapt(key, paint, AdaptSettings(steps=3, patch=16, batch=2, perceptual=0.0))
        assert fill(key).shape == key.shape


def test_the_style_palette_is_fitted_per_shot_on_several_frames():
    from camfuse.render.stream import _per_shot_palette

    g = torch.Generator().manual_seed(2)
    dark, bright = (
        0.3 * torch.rand(3, 16, 16, generator=g),
        0.7 + 0.3 * torch.rand(3, 16, 16, generator=g),
    )
    probe = torch.rand(3, 16, 16, generator=g)
    reference = torch.rand(3, 24, 24, generator=g) ** 2
    clip = [dark, dark, probe, bright, bright, bright, probe]
    cut = list(_per_shot_palette(iter(clip), reference, [range(0, 3), range(3, 7)]))
    assert len(cut) == 7
    assert not torch.allclose(cut[2], cut[6], atol=1e-3)  # the probe, mapped by each shot's map
    whole = list(_per_shot_palette(iter(clip), reference, None))
    assert len(whole) == 7 and torch.allclose(whole[2], whole[6])  # one map for one shot
