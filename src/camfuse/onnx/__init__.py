"""The model on onnxruntime: ``export`` (two fixed-shape graphs + a checked manifest), ``runner``
(:class:`OnnxModel`, a drop-in for the PyTorch model at inference) and ``cache`` (one export per
model, size and window, made on first use by ``camfuse render --runtime onnx``).

onnxruntime itself is imported only when a folder is loaded.
"""

from .cache import cache_root, onnx_model
from .export import check_out_dir, export_onnx, max_abs_diff
from .runner import OnnxModel

__all__ = ["OnnxModel", "cache_root", "check_out_dir", "export_onnx", "max_abs_diff", "onnx_model"]
