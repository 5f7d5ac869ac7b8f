"""The classical, weight-free half of the painting-sampling path (no learned parameters).

- ``warp``: backward warping of an image by a flow field (also the temporal loss's and metrics').
- ``flow``: DIS optical flow (OpenCV), its presets, forward-backward checks, chained tracking.
- ``colour``: colour maps, fitted on aligned pairs (the keyframe's) or unaligned images.
- ``merge``: contrast-preserving blending of two carried paint-overs (several keyframes).
- ``track``: the per-pixel guide images the network blends (warped paint-over, confidence,
  recoloured footage), streamed along a whole shot from one keyframe or several.
- ``palette``: the style role's distribution-transfer colour map onto the reference's palette.

Depends on torch and OpenCV only; nothing here imports ``models``, ``data`` or ``render``.
"""

from .colour import ColourMap, colour_terms, fit_regression, fit_transfer
from .flow import PRESETS, ChainTracker, DisSettings, chain_to, clip_flows, estimate_flow
from .palette import Palette, fit_palette
from .track import (
    CHANNELS,
    RENDER_FLOW,
    TRAIN_FLOW,
    Tracked,
    clip_guide,
    guide_paint,
    stream_guides,
    track_keys,
)
from .warp import backward_warp

__all__ = [
    "CHANNELS",
    "PRESETS",
    "RENDER_FLOW",
    "TRAIN_FLOW",
    "ChainTracker",
    "ColourMap",
    "DisSettings",
    "Palette",
    "Tracked",
    "backward_warp",
    "chain_to",
    "clip_flows",
    "clip_guide",
    "colour_terms",
    "estimate_flow",
    "fit_palette",
    "fit_regression",
    "fit_transfer",
    "guide_paint",
    "stream_guides",
    "track_keys",
]
