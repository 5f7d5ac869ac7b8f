"""The paper's model: dual-path ResNet encoders, channel attention, cross-modal fusion with dynamic
modality weights, Transformer decoder. ``models`` imports neither ``data`` nor ``training``."""

from .attention import ATTENTION, create_attn
from .camfuse import CamFuse, CamFuseOutput, PaintingFeatures
from .decoder import DECODERS
from .encoder import BACKBONES

__all__ = [
    "ATTENTION",
    "BACKBONES",
    "DECODERS",
    "CamFuse",
    "CamFuseOutput",
    "PaintingFeatures",
    "create_attn",
]
