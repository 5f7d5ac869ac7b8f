"""camfuse: a painting + live-action footage -> a painterly animation, stable over time.

Public API only; see the README for the commands.
"""

from .config import CamFuseConfig, load_config
from .models import CamFuse, CamFuseOutput

__version__ = "0.1.0"


def load_model(path=None, device="cpu"):
    """Load a model file (None = the bundled default) -> (model, config)."""
    from .checkpoint import load_model as _load

    return _load(path, device)


def render(*args, **kwargs):
    """Render a painting + footage to frames; see ``camfuse.render.render``."""
    from .render import render as _render

    return _render(*args, **kwargs)


__all__ = [
    "CamFuse",
    "CamFuseConfig",
    "CamFuseOutput",
    "load_config",
    "load_model",
    "render",
    "__version__",
]
