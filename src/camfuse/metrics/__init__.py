"""Evaluation metrics, pure functions of tensors (docs/metrics.md has every formula and range).

Images are float tensors in [0, 1], RGB, channels-first; a clip is (T, 3, H, W). Functions
return Python floats (or small dicts of floats).
"""

from .coupling import coupling_index
from .detail import detail_ratio, high_frequency
from .distribution import DistributionMetrics, FeatureExtractor, load_extractor
from .fidelity import psnr, psnr_per_frame, ssim
from .fusion import content_fidelity, fusion_degree, style_fidelity
from .style import style_distance
from .temporal import long_term_flows, long_term_warp_error, warp_error

__all__ = [
    "DistributionMetrics",
    "FeatureExtractor",
    "content_fidelity",
    "coupling_index",
    "detail_ratio",
    "fusion_degree",
    "high_frequency",
    "load_extractor",
    "long_term_flows",
    "long_term_warp_error",
    "psnr",
    "psnr_per_frame",
    "ssim",
    "style_distance",
    "style_fidelity",
    "warp_error",
]
