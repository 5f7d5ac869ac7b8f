import dataclasses

import pytest
import torch

from camfuse.checkpoint import CheckpointError, load_model, save_checkpoint
from camfuse.losses import CamFuseLoss
from camfuse.models import ATTENTION, BACKBONES, DECODERS, CamFuse, create_attn
from tests.conftest import make_batch


def run(model, batch):
    return model(
        batch["painting"], batch["footage"], role=batch["role"], keyframe=batch["keyframe"]
    )


@pytest.mark.parametrize("role", [0, 1])
def test_forward_shapes_both_roles(tiny_config, role):
    model = CamFuse(tiny_config.model).eval()
    batch = make_batch()
    batch["role"][:] = role
    out = run(model, batch)
    assert out.frames.shape == (2, 3, 3, 64, 64)
    assert out.modality_weights.shape == (2, 3, 1, 4, 4)
    assert 0 <= out.frames.min() and out.frames.max() <= 1
    assert torch.isfinite(out.frames).all()
    assert out.attention["correspondence"].shape == (2, 3 * 16, 16)


def test_style_painting_of_other_size(tiny_config):
    model = CamFuse(tiny_config.model).eval()
    batch = make_batch(b=1)
    out = model(torch.rand(1, 3, 96, 48), batch["footage"], role=torch.tensor([1]))
    assert out.frames.shape == (1, 3, 3, 64, 64)


def test_backward_reaches_every_trainable_parameter(tiny_config):
    model = CamFuse(tiny_config.model)
    batch = make_batch()
    total, terms = CamFuseLoss(tiny_config.loss)(run(model, batch), batch)
    total.backward()
    assert set(terms) == {"l1", "ssim", "style", "align", "temporal"}
    assert all(torch.isfinite(v) for v in terms.values())
    no_grad = [n for n, p in model.named_parameters() if p.grad is None]
    # role 1 never uses the keyframe marker; everything else must learn
    assert [n for n in no_grad if "keyframe" not in n] == []


def test_loss_terms_switch_off(tiny_config):
    cfg = dataclasses.replace(tiny_config.loss, style=0.0, align=0.0, temporal=0.0)
    batch = make_batch()
    _, terms = CamFuseLoss(cfg)(run(CamFuse(tiny_config.model), batch), batch)
    assert set(terms) == {"l1", "ssim"}


def test_deterministic_under_seed(tiny_config):
    outs = []
    for _ in range(2):
        torch.manual_seed(7)
        outs.append(run(CamFuse(tiny_config.model).eval(), make_batch()).frames)
    assert torch.equal(outs[0], outs[1])
    torch.manual_seed(8)
    assert not torch.equal(outs[0], run(CamFuse(tiny_config.model).eval(), make_batch()).frames)


def test_cached_painting_features_match(tiny_config):
    model = CamFuse(tiny_config.model).eval()
    batch = make_batch()
    with torch.no_grad():
        a = run(model, batch).frames
        feats = model.encode_painting(batch["painting"])
        b = model(
            None,
            batch["footage"],
            role=batch["role"],
            keyframe=batch["keyframe"],
            painting_features=feats,
        ).frames
    torch.testing.assert_close(a, b)


def test_strength_zero_ignores_painting(tiny_config):
    model = CamFuse(tiny_config.model).eval()
    batch = make_batch()
    zero = torch.zeros(2)
    with torch.no_grad():
        a = model(
            batch["painting"], batch["footage"], role=batch["role"], strength=zero
        ).modality_weights
    assert torch.count_nonzero(a) == 0


@pytest.mark.parametrize("attention", sorted(ATTENTION))
@pytest.mark.parametrize("weighting", ["dynamic", "static", "concat"])
def test_every_attention_and_weighting(tiny_config, attention, weighting):
    cfg = dataclasses.replace(tiny_config.model, attention=attention, weighting=weighting)
    out = run(CamFuse(cfg).eval(), make_batch())
    assert out.frames.shape == (2, 3, 3, 64, 64) and torch.isfinite(out.frames).all()
    if weighting != "dynamic":
        assert torch.allclose(out.modality_weights, torch.full_like(out.modality_weights, 0.5))


@pytest.mark.parametrize("name", sorted(ATTENTION))
def test_attention_registry_shapes(name):
    x = torch.randn(2, 16, 8, 8)
    assert create_attn(name, 16, reduction=4)(x).shape == x.shape


@pytest.mark.parametrize("decoder", sorted(DECODERS))
@pytest.mark.parametrize("cross_modal", [True, False])
def test_decoders_and_cross_modal_switch(tiny_config, decoder, cross_modal):
    cfg = dataclasses.replace(tiny_config.model, decoder=decoder, cross_modal_attention=cross_modal)
    out = run(CamFuse(cfg).eval(), make_batch())
    assert out.frames.shape == (2, 3, 3, 64, 64)
    assert ("cross_footage_s16" in out.attention) == cross_modal


@pytest.mark.parametrize("backbone", [b for b in BACKBONES if b != "resnet50"])
def test_backbones_build(tiny_config, backbone):
    cfg = dataclasses.replace(tiny_config.model, backbone=backbone)
    out = run(CamFuse(cfg).eval(), make_batch(b=1, t=2))
    assert out.frames.shape == (1, 2, 3, 64, 64)


@pytest.mark.slow
def test_resnet50_builds(tiny_config):
    cfg = dataclasses.replace(tiny_config.model, backbone="resnet50")
    assert run(CamFuse(cfg).eval(), make_batch(b=1, t=2)).frames.shape == (1, 2, 3, 64, 64)


def test_bad_config_and_sizes(tiny_config):
    with pytest.raises(ValueError, match="model.attention must be one of se, eca"):
        CamFuse(dataclasses.replace(tiny_config.model, attention="nope"))  # the config refuses it
    with pytest.raises(ValueError, match="multiple of 16"):
        run(CamFuse(tiny_config.model), make_batch(s=40))


def test_save_load_round_trip(tiny_config, tmp_path):
    model = CamFuse(tiny_config.model).eval()
    batch = make_batch()
    path = save_checkpoint(tmp_path / "m", model, tiny_config, note="test")
    loaded, cfg = load_model(path)
    assert cfg == tiny_config
    with torch.no_grad():
        torch.testing.assert_close(run(model, batch).frames, run(loaded, batch).frames)


def test_load_rejects_corrupt_and_mismatched(tiny_config, tmp_path):
    path = save_checkpoint(tmp_path / "m", CamFuse(tiny_config.model), tiny_config)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_model(path)
    other = dataclasses.replace(
        tiny_config, model=dataclasses.replace(tiny_config.model, width=64, heads=2)
    )
    path2 = save_checkpoint(
        tmp_path / "m2", CamFuse(other.model), tiny_config
    )  # weights of another shape
    with pytest.raises(CheckpointError, match="does not match"):
        load_model(path2)
    with pytest.raises(CheckpointError, match="not found"):
        load_model(tmp_path / "missing.safetensors")


def test_concat_fusion_is_input_independent_and_learned(tiny_config):
    """The baseline model's fusion: a learned 1x1 mix of both paths, no input-dependent gate."""
    cfg = dataclasses.replace(tiny_config.model, weighting="concat")
    model = CamFuse(cfg).eval()
    mix = model.weighting[-1].mix
    assert mix.in_channels == 2 * cfg.width and mix.out_channels == cfg.width
    assert not any(hasattr(w, "channel") for w in model.weighting)
    run(model, make_batch()).frames.mean().backward()
    assert mix.weight.grad is not None and mix.weight.grad.abs().sum() > 0


def test_the_pretrained_encoder_starts_from_imagenet_and_trains(tiny_config, one_thread):
    from camfuse.models.pretrained import PretrainedFeatures

    cfg = dataclasses.replace(tiny_config.model, backbone="efficientnet_lite0")
    model = CamFuse(cfg)
    trunk = model.encoder.footage
    x = torch.rand(1, 3, 64, 64)
    reference = PretrainedFeatures(strides=(4, 8, 16))
    trunk.eval()
    with torch.no_grad():
        for a, b in zip(trunk(x), reference(x), strict=True):
            # the ImageNet weights, not a random init (the reference folds its batch norms: rounding)
            assert torch.allclose(a, b, rtol=1e-4, atol=1e-3)
    assert all(p.requires_grad for p in trunk.parameters())  # fine-tuned with the model
    model.train()
    bns = [m for m in trunk.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    assert bns and not any(m.training for m in bns)  # frozen ImageNet statistics
    assert trunk.training  # the rest trains
    assert model.encoder.painting is not trunk  # two paths, as with ResNets
    with pytest.raises(ValueError, match="always ImageNet-pretrained"):
        CamFuse(dataclasses.replace(cfg, weights="IMAGENET1K_V1"))
