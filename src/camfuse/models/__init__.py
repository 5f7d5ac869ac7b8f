"""The paper's model: dual-path ResNet encoders, channel attention, cross-modal fusion with dynamic
modality weights, Transformer decoder. ``models`` imports neither ``data`` nor ``training``."""

from .attention import ATTENTION, create_attn
from .camfuse import CamFuse
from .decoder import DECODERS
from .encoder import BACKBONES
from .interface import CamFuseOutput, PaintingFeatures

__all__ = [
    "ATTENTION",
    "BACKBONES",
    "DECODERS",
    "CamFuse",
    "CamFuseOutput",
    "PaintingFeatures",
    "create_attn",
]
