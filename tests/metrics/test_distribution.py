import random

import pytest
import torch

from camfuse.metrics import DistributionMetrics, load_extractor
from camfuse.metrics.distribution import INCEPTION_FILES
from camfuse.models.pretrained import NAME as PRETRAINED_NAME

from .conftest import sample

pytestmark = pytest.mark.usefixtures("one_thread")  # see tests/conftest.py


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


def test_fallback_is_the_pretrained_network_labelled_and_deterministic(extractor, frames):
    assert extractor.standard is False
    assert extractor.name.startswith(f"FD-{PRETRAINED_NAME}")  # FD*, never "FID"
    assert "not comparable to published FID" in extractor.name
    x = frames["footage"][:2]
    again = load_extractor()
    with torch.no_grad():
        torch.testing.assert_close(extractor(x), again(x), rtol=0, atol=0)
        feats = extractor(x)
    assert feats.shape == (2, extractor.num_features) == (2, 1280)
    assert feats.min() >= 0 and feats.max() <= 6  # pooled ReLU6 activations
    assert not extractor.train().training  # never leaves eval mode
    assert not any(p.requires_grad for p in extractor.parameters())


def test_fallback_features_are_semantic(extractor):
    """Learned features: two overlapping crops of one photograph are nearer each other than
    either is to another photograph."""
    import skimage.data

    def rgb(image):
        return torch.from_numpy(image).permute(2, 0, 1).float() / 255

    cat, coffee = rgb(skimage.data.chelsea()), rgb(skimage.data.coffee())
    crops = torch.stack([cat[:, :256, :256], cat[:, 30:286, 150:406], coffee[:, 100:356, 200:456]])
    with torch.no_grad():
        f = extractor(crops).double()
    d = torch.cdist(f, f)
    assert 2 * d[0, 1] < min(d[0, 2], d[1, 2]), d


def test_missing_fallback_weights_are_one_line(monkeypatch, tmp_path):
    from camfuse.models import pretrained

    monkeypatch.setattr(pretrained, "weights_path", lambda: tmp_path / "gone.pth")
    with pytest.raises(pretrained.PretrainedWeightsError) as info:
        load_extractor()
    message = str(info.value)
    assert message.startswith("pretrained weights not found") and "\n" not in message


def test_same_set_is_zero_different_sets_are_far(extractor, frames):
    same = _measure(extractor, frames["footage"], frames["footage"])
    noise = _measure(extractor, frames["footage"], frames["noise"])
    assert abs(same["fd"]) < 1e-3 * noise["fd"]
    assert noise["kid"] > same["kid"] + 0.25  # pooled ReLU6 features: KID about 0.5 here
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


def _not_a_state_dict(kind: str, path, fake_inception) -> None:
    if kind == "random bytes":
        path.write_bytes(random.Random(0).randbytes(512))
    elif kind == "json":
        path.write_text('{"Conv2d_1a_3x3.conv.weight": [1, 2]}')
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "list":
        torch.save([torch.zeros(2)], path)
    elif kind == "wrong keys":
        torch.save({"conv.weight": torch.zeros(2)}, path)
    elif kind == "wrong shapes":
        state = torch.load(fake_inception, weights_only=True)
        state["fc.weight"] = torch.zeros(3, 3)
        torch.save(state, path)
    elif kind == "pickled object":
        torch.save({"conv.weight": torch.nn.Linear(1, 1)}, path)


@pytest.mark.parametrize(
    "kind, message",
    [
        ("random bytes", "is not a PyTorch state dict"),
        ("json", "is not a PyTorch state dict"),
        ("empty", "is not a PyTorch state dict"),
        ("list", "is not a PyTorch state dict (it holds a list)"),
        ("pickled object", "is not a PyTorch state dict"),
        ("wrong keys", "does not fit the InceptionV3 FID network"),
        ("wrong shapes", "does not fit the InceptionV3 FID network"),
    ],
)
def test_inception_weights_that_are_not_its_state_dict(tmp_path, fake_inception, kind, message):
    path = tmp_path / "weights.pth"
    _not_a_state_dict(kind, path, fake_inception)
    with pytest.raises(ValueError, match="inception weights") as info:
        load_extractor(path)
    assert message in str(info.value) and "\n" not in str(info.value), info.value


@pytest.mark.parametrize("kind", ["random bytes", "list", "wrong keys"])
def test_evaluate_with_bad_inception_weights_is_one_line(
    tmp_path_factory, tmp_path, capsys, fake_inception, kind
):
    from camfuse.checkpoint import save_checkpoint
    from camfuse.cli import main
    from camfuse.config import load_config
    from camfuse.data.splits import write_split
    from camfuse.models import CamFuse

    d = tmp_path_factory.getbasetemp() / "bad-inception-inputs"
    if not d.exists():
        d.mkdir()
        write_split(d / "split", samples=2, frames=2, size=32, seed=0)
        cfg = load_config("tiny")
        save_checkpoint(d / "tiny", CamFuse(cfg.model), cfg)
    weights = tmp_path / "weights.pth"
    _not_a_state_dict(kind, weights, fake_inception)
    out = tmp_path / "report"
    argv = ["evaluate", "--data", d / "split", "--out", out, "--checkpoint", d / "tiny.safetensors"]
    argv += ["--baselines", "identity", "--inception-weights", weights, "--device", "cpu"]
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: inception weights ") and err.count("\n") == 1, err
    assert "Traceback" not in err and not out.exists()
