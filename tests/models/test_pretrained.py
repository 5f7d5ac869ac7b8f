"""Pretrained EfficientNet-Lite0: the by-position key mapping is right (it still classifies
photographs), a wrong file is refused in one line, and the features are a frozen, differentiable
function of the input."""

from __future__ import annotations

import hashlib
import shutil

import pytest
import skimage.data
import torch
import torch.nn.functional as F

from camfuse.models import pretrained
from camfuse.models.pretrained import (
    CHANNELS,
    PretrainedFeatures,
    PretrainedWeightsError,
    load_efficientnet_lite0,
    normalize,
    weights_path,
)

CATS = range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian cat
ESPRESSO = 967


pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


@pytest.fixture(scope="session")
def classifier() -> torch.nn.Module:
    return load_efficientnet_lite0()  # loaded once per process (memoised)


@pytest.fixture(scope="session")
def features() -> PretrainedFeatures:
    return PretrainedFeatures()


def _imagenet_crop(image) -> torch.Tensor:
    """Evaluation preprocessing of the TF EfficientNet-Lite models: shorter side to 256 px, centre
    224 px crop (crop padding 32), RGB in [0, 1]."""
    x = torch.from_numpy(image).permute(2, 0, 1)[None].float() / 255
    h, w = x.shape[-2:]
    size = (round(h * 256 / min(h, w)), round(w * 256 / min(h, w)))
    x = F.interpolate(x, size=size, mode="bicubic", antialias=True, align_corners=False)
    top, left = (size[0] - 224) // 2, (size[1] - 224) // 2
    return x[..., top : top + 224, left : left + 224].clamp(0, 1)


@pytest.mark.parametrize("name, classes", [("chelsea", CATS), ("coffee", [ESPRESSO])])
def test_classifies_photographs(classifier, name, classes):
    x = _imagenet_crop(getattr(skimage.data, name)())
    with torch.no_grad():
        probs = classifier(normalize(x)).softmax(-1)[0]
    top = probs.topk(5)
    assert int(top.indices[0]) in classes, top
    assert float(probs[list(classes)].sum()) > 0.5, top  # confident, not a lucky argmax


def test_loaded_once_frozen_and_in_eval_mode(classifier):
    assert load_efficientnet_lite0() is classifier
    assert not classifier.training
    assert not any(p.requires_grad for p in classifier.parameters())


def _refusal(monkeypatch, path) -> str:
    monkeypatch.setattr(pretrained, "weights_path", lambda: path)
    with pytest.raises(PretrainedWeightsError) as info:
        load_efficientnet_lite0()
    message = str(info.value)
    assert isinstance(info.value, ValueError) and "\n" not in message, message
    return message


def test_a_corrupted_or_missing_file_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "efficientnet-lite0.pth"
    shutil.copyfile(weights_path(), copy)
    with copy.open("r+b") as f:  # flip one byte inside the tensor data
        f.seek(copy.stat().st_size // 2)
        byte = f.read(1)
        f.seek(-1, 1)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert "not the expected file (sha256" in _refusal(monkeypatch, copy)
    assert "not found" in _refusal(monkeypatch, tmp_path / "missing.pth")


@pytest.mark.parametrize("change", ["shape", "count"])
def test_a_file_that_does_not_fit_the_network_is_refused(tmp_path, monkeypatch, change):
    state = torch.load(weights_path(), map_location="cpu", weights_only=True)
    if change == "shape":
        state["_fc.bias"] = state["_fc.bias"][:10]
    else:
        state.pop("_fc.bias")
    path = tmp_path / "other.pth"
    torch.save(state, path)  # passes the hash check only because the pin is moved to it
    monkeypatch.setattr(pretrained, "WEIGHTS_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    message = _refusal(monkeypatch, path)
    assert "do not fit tf_efficientnet_lite0" in message
    assert ("tensor 295 is _fc.bias (10,)" if change == "shape" else "295 tensors") in message


def test_feature_shapes_and_strides(features):
    feats = features(torch.rand(2, 3, 64, 96))
    assert features.strides == (2, 4, 8, 16) and features.channels == (16, 24, 40, 112)
    assert [tuple(f.shape) for f in feats] == [
        (2, 16, 32, 48),
        (2, 24, 16, 24),
        (2, 40, 8, 12),
        (2, 112, 4, 6),
    ]
    odd = PretrainedFeatures(strides=(8, 32))(torch.rand(1, 3, 65, 33))  # TF "SAME": ceil(n / s)
    assert [tuple(f.shape) for f in odd] == [(1, CHANNELS[8], 9, 5), (1, CHANNELS[32], 3, 2)]


def test_gradients_reach_the_input_not_the_network(features):
    x = torch.rand(1, 3, 48, 48, requires_grad=True)
    sum(f.square().mean() for f in features(x)).backward()
    assert x.grad is not None and x.grad.abs().sum() > 0 and torch.isfinite(x.grad).all()
    assert all(p.grad is None and not p.requires_grad for p in features.parameters())


def test_stays_in_eval_mode_and_owns_its_trunk(features, classifier):
    assert not features.train().training  # a parent's .train() cannot unfreeze anything
    conv, bn = features.stem[0], classifier.bn1
    before = classifier.conv_stem.weight.clone()
    features(torch.rand(2, 3, 32, 32))
    # its own copy, the batch norm folded in: the shared classifier is untouched
    assert conv.weight.data_ptr() != classifier.conv_stem.weight.data_ptr()
    torch.testing.assert_close(classifier.conv_stem.weight, before, rtol=0, atol=0)
    scale = bn.weight / (bn.running_var + bn.eps).sqrt()
    torch.testing.assert_close(conv.weight, before * scale[:, None, None, None])


@pytest.mark.parametrize("strides", [(), (4, 2), (2, 2), (3,)])
def test_bad_strides(strides):
    with pytest.raises(ValueError, match="strides must be increasing values"):
        PretrainedFeatures(strides=strides)


def test_bad_input_shape(features):
    with pytest.raises(ValueError, match=r"expected images \(B, 3, H, W\)"):
        features(torch.rand(3, 32, 32))


def test_batch_norms_fold_into_their_convolutions_with_the_same_output():
    torch.manual_seed(0)
    bn = torch.nn.BatchNorm2d(8)
    bn.running_mean.normal_()
    bn.running_var.uniform_(0.5, 2)
    bn.weight.data.normal_()
    bn.bias.data.normal_()
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, bias=False), bn, torch.nn.ReLU6()).eval()
    x = torch.randn(2, 3, 16, 16)
    want = net(x)
    pretrained.fold_batch_norms(net)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert torch.allclose(net(x), want, atol=1e-5)


def test_the_trunk_runs_without_batch_norms_and_keeps_its_activations(features):
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in features.modules())
    assert any(isinstance(m, torch.nn.ReLU6) for m in features.modules())
