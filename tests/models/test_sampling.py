"""The painting-sampling path: blend, the guide argument, and what an untrained model renders."""

from __future__ import annotations

import pytest
import torch

from camfuse.config import CamFuseConfig
from camfuse.losses import CamFuseLoss
from camfuse.models import CamFuse
from camfuse.models.sampling import PRIOR, blend
from tests.conftest import make_batch


@pytest.fixture
def sampling_config(tiny_config) -> CamFuseConfig:
    return tiny_config.with_overrides(["model.sampling=true"])


def make_guide(b: int = 2, t: int = 3, s: int = 64, seed: int = 1) -> torch.Tensor:
    """(B, T, 7, H, W): random warped / recoloured RGB, binary confidence."""
    g = torch.Generator().manual_seed(seed)
    guide = torch.rand(b, t, 7, s, s, generator=g)
    guide[:, :, 3] = (guide[:, :, 3] > 0.5).float()
    return guide


def run(model, batch, guide):
    return model(
        batch["painting"],
        batch["footage"],
        role=batch["role"],
        keyframe=batch["keyframe"],
        guide=guide,
    )


def expected_untrained(guide: torch.Tensor, role: int, keyframe: int = -1) -> torch.Tensor:
    """(T, 7, H, W) -> (T, 3, H, W): the confidence prior's blend, or the recoloured footage;
    the painted keyframe itself is the warped paint-over, untouched."""
    warped, conf, recoloured = guide[:, :3], guide[:, 3:4], guide[:, 4:]
    if role != 0:
        return recoloured
    alpha = torch.sigmoid(4 * (2 * conf - 1))
    if keyframe >= 0:
        alpha[keyframe] = 1
    return alpha * warped + (1 - alpha) * recoloured


def test_without_a_guide_raises(sampling_config):
    model = CamFuse(sampling_config.model).eval()
    with pytest.raises(ValueError, match="guide"):
        run(model, make_batch(), None)


def test_untrained_output_is_the_blend_prior(sampling_config):
    torch.manual_seed(0)
    model = CamFuse(sampling_config.model).eval()
    batch, guide = make_batch(), make_guide()  # sample 0: keyframe role, sample 1: style role
    assert batch["role"].tolist() == [0, 1]
    with torch.no_grad():
        out = run(model, batch, guide)
    assert out.frames.shape == (2, 3, 3, 64, 64)
    roles, keys = batch["role"].tolist(), batch["keyframe"].tolist()
    for i, (role, key) in enumerate(zip(roles, keys, strict=True)):
        torch.testing.assert_close(out.frames[i], expected_untrained(guide[i], role, key))
    assert torch.equal(out.frames[1], guide[1, :, 4:])  # style role: exactly the recoloured input
    key = keys[0]
    assert torch.equal(out.frames[0, key], guide[0, key, :3])  # the painted frame, untouched
    alpha = out.attention["sampling"]
    assert alpha.shape == (2, 3, 1, 64, 64)
    assert torch.count_nonzero(alpha[1]) == 0  # no paint-over in the style role
    others = [t for t in range(3) if t != key]
    assert torch.all(alpha[0, key] == 1)
    assert alpha[0, others].min() > 0.01 and alpha[0, others].max() < 0.99  # prior, not a switch


def test_keyframe_role_out_of_the_window_still_samples(sampling_config):
    """keyframe -1 (the keyframe lies in another window) keeps role 0: the warp still applies."""
    model = CamFuse(sampling_config.model).eval()
    batch, guide = make_batch(), make_guide()
    batch["role"][:] = 0
    batch["keyframe"][:] = -1
    with torch.no_grad():
        out = run(model, batch, guide)
    for i in range(2):
        torch.testing.assert_close(out.frames[i], expected_untrained(guide[i], 0))


def test_blend_formula_with_a_residual():
    g = torch.Generator().manual_seed(0)
    raw = torch.randn(2, 4, 8, 8, generator=g)
    guide = torch.rand(2, 7, 8, 8, generator=g)
    frames, alpha = blend(raw, guide, torch.tensor([1, 0]))
    a = torch.sigmoid(raw[:1, 3:] + PRIOR * (2 * guide[:1, 3:4] - 1))
    torch.testing.assert_close(alpha[0:1], a)
    synth = guide[:, 4:] + raw[:, :3]
    torch.testing.assert_close(frames[0:1], a * guide[:1, :3] + (1 - a) * synth[:1])
    torch.testing.assert_close(frames[1], synth[1])  # untracked: all synthesised
    assert torch.count_nonzero(alpha[1]) == 0


def test_backward_and_one_step_of_learning(sampling_config):
    torch.manual_seed(0)
    model = CamFuse(sampling_config.model)
    batch, guide = make_batch(t=2), make_guide(t=2)
    out = run(model, batch, guide)
    total, terms = CamFuseLoss(sampling_config.loss)(out, batch)
    total.backward()
    assert torch.isfinite(total) and all(torch.isfinite(v) for v in terms.values())
    grads = {n: p.grad for n, p in model.named_parameters()}
    assert all(g is None or torch.isfinite(g).all() for g in grads.values())
    # the zero-initialised last layer is the one that must move first: it gets a gradient
    assert grads["head.rgb.weight"].abs().sum() > 0 and grads["head.rgb.bias"].abs().sum() > 0
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p -= 0.1 * p.grad
        after = run(model, batch, guide).frames
    assert not torch.allclose(after, out.frames.detach())  # not stuck at the prior
    assert torch.isfinite(after).all()


def test_guide_is_ignored_without_sampling(tiny_config):
    torch.manual_seed(0)
    model = CamFuse(tiny_config.model).eval()
    batch = make_batch()
    with torch.no_grad():
        plain = run(model, batch, None).frames
        guided = run(model, batch, make_guide()).frames
    assert torch.equal(plain, guided)
    assert model.head.rgb.out_channels == 3


def test_sampling_head_shape(sampling_config):
    model = CamFuse(sampling_config.model)
    assert model.head.rgb.out_channels == 4
    assert torch.count_nonzero(model.head.rgb.weight) == 0
