"""The classical, weight-free half of the painting-sampling path (no learned parameters).

- ``warp``: backward warping of an image by a flow field (also the temporal loss's and metrics').
- ``flow``: DIS optical flow (OpenCV), its presets, forward-backward checks, chained tracking.
- ``track``: the per-pixel guide images the network blends (warped paint-over, confidence,
  recoloured footage), streamed along a whole shot.
- ``palette``: the style role's distribution-transfer colour map onto the reference's palette.

Depends on torch and OpenCV only; nothing here imports ``models``, ``data`` or ``render``.
"""

from .flow import PRESETS, ChainTracker, DisSettings, chain_to, clip_flows, estimate_flow
from .palette import Palette, fit_palette
from .track import CHANNELS, RENDER_FLOW, TRAIN_FLOW, clip_guide, stream_guides
from .warp import backward_warp

__all__ = [
    "CHANNELS",
    "PRESETS",
    "RENDER_FLOW",
    "TRAIN_FLOW",
    "ChainTracker",
    "DisSettings",
    "Palette",
    "backward_warp",
    "chain_to",
    "clip_flows",
    "clip_guide",
    "estimate_flow",
    "fit_palette",
    "stream_guides",
]
