"""``camfuse render --runtime onnx``: the onnxruntime export of a model, made once and cached.

An export is fixed to one frame size and window (:mod:`camfuse.onnx.export`), so the cache holds one
folder per (model file checksum, size, window) under ``$CAMFUSE_CACHE`` (default
``$XDG_CACHE_HOME/camfuse`` or ``~/.cache/camfuse``). The first render at a new size pays the export
(tens of seconds on a CPU); later ones load it in about a second. Exports are written under a
temporary name and renamed, so a killed export never leaves a half-written cache entry.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def cache_root() -> Path:
    if os.environ.get("CAMFUSE_CACHE"):
        return Path(os.environ["CAMFUSE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "camfuse"


def onnx_model(checkpoint: Path | None, *, size: tuple[int, int], window: int):
    """The :class:`~camfuse.onnx.runner.OnnxModel` of ``checkpoint`` (None = the bundled model)
    for frames of ``size`` (w, h) in windows of ``window``; exported on first use."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise ValueError("--runtime onnx needs onnxruntime: pip install onnxruntime") from None
    from ..checkpoint import DEFAULT_MODEL, load_model, model_paths, sha256
    from .export import export_onnx
    from .runner import OnnxModel

    weights, _ = model_paths(checkpoint if checkpoint is not None else DEFAULT_MODEL)
    folder = cache_root() / "onnx" / f"{sha256(weights)[:16]}-{size[0]}x{size[1]}-t{window}"
    if not (folder / "camfuse-onnx.json").is_file():
        log.info("exporting %s for %dx%d, window %d -> %s", weights.name, *size, window, folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        model, _ = load_model(weights)
        export_onnx(model, out_dir=folder, size=size, window=window, overwrite=folder.exists())
    return OnnxModel.load(folder)


__all__ = ["cache_root", "onnx_model"]
