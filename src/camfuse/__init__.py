"""camfuse: a painting + live-action footage -> a painterly animation, stable over time.

Public API only; see the README for the commands. Names load on first use (PEP 562), so that the
command line starts without importing PyTorch: ``camfuse --help`` is instant and Ctrl-C during
start-up is quiet.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "CamFuse": ("camfuse.models", "CamFuse"),
    "CamFuseOutput": ("camfuse.models", "CamFuseOutput"),
    "CamFuseConfig": ("camfuse.config", "CamFuseConfig"),
    "load_config": ("camfuse.config", "load_config"),
    "load_model": ("camfuse.checkpoint", "load_model"),
}

if TYPE_CHECKING:
    from . import render
    from .checkpoint import load_model
    from .config import CamFuseConfig, load_config
    from .models import CamFuse, CamFuseOutput


def __getattr__(name: str) -> Any:
    if name == "render":  # the package; calling it renders (camfuse.render(painting, footage, out))
        return importlib.import_module("camfuse.render")
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'camfuse' has no attribute {name!r}")


__all__ = [
    "CamFuse",
    "CamFuseConfig",
    "CamFuseOutput",
    "load_config",
    "load_model",
    "render",
    "__version__",
]
