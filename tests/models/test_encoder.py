import pytest
import torch
from torchvision.models import resnet18

from camfuse.models.encoder import DualPathEncoder, ResNetTrunk


def test_local_weights_file_loads(tmp_path):
    torch.manual_seed(3)
    ref = resnet18(weights=None)
    torch.save(ref.state_dict(), tmp_path / "r18.pth")
    trunk = ResNetTrunk(backbone="resnet18", weights=str(tmp_path / "r18.pth"))
    torch.testing.assert_close(trunk.layer2[0].conv1.weight, ref.layer2[0].conv1.weight)


def test_weights_errors_are_clear(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        ResNetTrunk(backbone="resnet18", weights=str(tmp_path / "missing.pth"))
    with pytest.raises(ValueError, match="unknown weights"):
        ResNetTrunk(backbone="resnet18", weights="NOT_AN_ENUM")
    with pytest.raises(ValueError, match="unknown backbone"):
        ResNetTrunk(backbone="vgg16")


def test_multiscale_strides_and_separate_paths():
    enc = DualPathEncoder(backbone="resnet10")
    feats = enc.footage(torch.rand(1, 3, 64, 96))
    assert [f.shape[-2:] for f in feats] == [(16, 24), (8, 12), (4, 6)]
    assert [f.shape[1] for f in feats] == list(enc.channels)
    assert enc.painting is not enc.footage
    shared = DualPathEncoder(backbone="resnet10", shared=True)
    assert shared.painting is shared.footage
