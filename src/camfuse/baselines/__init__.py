"""The methods the evaluation compares, all behind one interface (:class:`Method`).

``method(painting (3, Hp, Wp), footage (T, 3, H, W), keyframe=K | None) -> (T, 3, H, W)`` in [0, 1]
at the footage size; ``keyframe=None`` is the style-reference role. Build them with
:func:`build_methods`; ``BASELINES`` lists the classical ones.
"""

from .base import Method
from .flow_warp import FlowWarp
from .model import ModelMethod, per_frame
from .peer import StyleTransferLite, unavailable_reason
from .registry import ALL, BASELINES, build_methods
from .simple import Identity, StaticKeyframe

__all__ = [
    "ALL",
    "BASELINES",
    "FlowWarp",
    "Identity",
    "Method",
    "ModelMethod",
    "StaticKeyframe",
    "StyleTransferLite",
    "build_methods",
    "per_frame",
    "unavailable_reason",
]
