"""``camfuse render --runtime onnx``: the onnxruntime export of a model, made once and cached.

An export is fixed to one frame size and window (:mod:`camfuse.export`), so the cache holds one
folder per (model file checksum, size, window) under ``$CAMFUSE_CACHE`` (default
``$XDG_CACHE_HOME/camfuse`` or ``~/.cache/camfuse``). The first render at a new size pays the export
(tens of seconds on a CPU); later ones load it in about a second. Exports are written under a
temporary name and renamed, so a killed export never leaves a half-written cache entry.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def cache_root() -> Path:
    if os.environ.get("CAMFUSE_CACHE"):
        return Path(os.environ["CAMFUSE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "camfuse"


def _checksum(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def onnx_model(checkpoint: Path | None, *, size: tuple[int, int], window: int):
    """The :class:`~camfuse.onnx_runner.OnnxModel` of ``checkpoint`` (None = the bundled model)
    for frames of ``size`` (w, h) in windows of ``window``; exported on first use."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise ValueError("--runtime onnx needs onnxruntime: pip install onnxruntime") from None
    from .checkpoint import DEFAULT_MODEL, _paths, load_model
    from .export import export_onnx
    from .onnx_runner import OnnxModel

    weights, _ = _paths(checkpoint if checkpoint is not None else DEFAULT_MODEL)
    folder = cache_root() / "onnx" / f"{_checksum(weights)}-{size[0]}x{size[1]}-t{window}"
    if not (folder / "camfuse-onnx.json").is_file():
        log.info("exporting %s for %dx%d, window %d -> %s", weights.name, *size, window, folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        model, _ = load_model(weights)
        export_onnx(model, out_dir=folder, size=size, window=window, overwrite=folder.exists())
    return OnnxModel.load(folder)


__all__ = ["cache_root", "onnx_model"]
