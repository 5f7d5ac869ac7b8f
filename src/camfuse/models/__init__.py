"""The paper's model: dual-path ResNet encoders, channel attention, cross-modal fusion with dynamic
modality weights, Transformer decoder. ``models`` imports neither ``data`` nor ``training``."""

from .attention import ATTENTION, create_attn
from .camfuse import CamFuse
from .decoder import DECODERS
from .encoder import BACKBONES
from .interface import CamFuseOutput, PaintingFeatures
from .pretrained import NAME as PRETRAINED_NAME
from .pretrained import PretrainedFeatures, PretrainedWeightsError, load_efficientnet_lite0

__all__ = [
    "ATTENTION",
    "BACKBONES",
    "DECODERS",
    "CamFuse",
    "CamFuseOutput",
    "PRETRAINED_NAME",
    "PaintingFeatures",
    "PretrainedFeatures",
    "PretrainedWeightsError",
    "create_attn",
    "load_efficientnet_lite0",
]
