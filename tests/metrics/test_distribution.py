import pytest
import torch

from camfuse.metrics import DistributionMetrics, load_extractor
from camfuse.metrics.distribution import INCEPTION_FILES

from .conftest import sample


@pytest.fixture(scope="module")
def extractor():
    return load_extractor()


@pytest.fixture(scope="module")
def frames() -> dict[str, torch.Tensor]:
    footage = torch.cat([sample(seed)["footage"][:3] for seed in range(4)])  # 12 frames
    g = torch.Generator().manual_seed(0)
    return {"footage": footage, "noise": torch.rand(footage.shape, generator=g)}


def _measure(extractor, real: torch.Tensor, fake: torch.Tensor, **kw) -> dict:
    m = DistributionMetrics(extractor, **kw)
    m.update(real[:6], real=True)  # streamed in pieces
    m.update(real[6:], real=True)
    m.update(fake, real=False)
    return m.compute()


def test_fallback_is_labelled_and_deterministic(extractor, frames):
    assert extractor.standard is False
    assert extractor.name != "FID" and "not comparable" in extractor.name
    x = frames["footage"][:2]
    again = load_extractor()
    with torch.no_grad():
        torch.testing.assert_close(extractor(x), again(x), rtol=0, atol=0)
    assert extractor(x).shape == (2, extractor.num_features)
    assert not extractor.train().training  # never leaves eval mode


def test_same_set_is_zero_different_sets_are_far(extractor, frames):
    same = _measure(extractor, frames["footage"], frames["footage"])
    noise = _measure(extractor, frames["footage"], frames["noise"])
    assert abs(same["fd"]) < 1e-3 * noise["fd"]
    assert noise["kid"] > same["kid"] + 1.0
    assert same["standard"] is False and same["extractor"] == extractor.name
    # 12 images per side: the KID subset shrinks to 12 instead of failing
    assert noise["kid_std"] == pytest.approx(0.0, abs=1e-9)
    assert _measure(extractor, frames["footage"], frames["noise"]) == noise  # reproducible


def test_too_few_images_and_bad_paths(extractor, tmp_path):
    m = DistributionMetrics(extractor)
    m.update(torch.rand(1, 3, 32, 32), real=True)
    m.update(torch.rand(3, 3, 32, 32), real=False)
    with pytest.raises(ValueError, match=">= 2 real and fake"):
        m.compute()
    with pytest.raises(ValueError, match="inception weights not found"):
        load_extractor(tmp_path / "missing.pth")


@pytest.fixture(scope="module")
def fake_inception(tmp_path_factory):
    """A random InceptionV3 in the FID file format (the real weights cannot be downloaded)."""
    fe = pytest.importorskip("torch_fidelity.feature_extractor_inceptionv3")
    mp = pytest.MonkeyPatch()
    mp.setattr(fe, "load_state_dict_from_url", lambda *a, **k: {})
    mp.setattr(fe.FeatureExtractorInceptionV3, "load_state_dict", lambda self, sd: None)
    net = fe.FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    mp.undo()
    folder = tmp_path_factory.mktemp("hub") / "checkpoints"
    folder.mkdir()
    torch.save(net.state_dict(), folder / INCEPTION_FILES[0])
    return folder / INCEPTION_FILES[0]


def test_standard_inception_from_path_or_hub_cache(fake_inception, monkeypatch):
    explicit = load_extractor(fake_inception)
    assert explicit.standard is True and explicit.name.startswith("FID")
    assert explicit.num_features == 2048
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(fake_inception.parent.parent))
    cached = load_extractor()
    assert cached.standard is True
    assert cached.net.Conv2d_1a_3x3.conv.weight.equal(explicit.net.Conv2d_1a_3x3.conv.weight)


@pytest.mark.slow
def test_standard_inception_features(fake_inception):
    ex = load_extractor(fake_inception)
    with torch.no_grad():
        feats = ex(torch.rand(2, 3, 64, 64))
    assert feats.shape == (2, 2048) and torch.isfinite(feats).all()
