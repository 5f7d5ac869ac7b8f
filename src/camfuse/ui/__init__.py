"""``camfuse ui``: a local web app for the artist's path (Gradio), over the CLI's Python API.

- ``session``: one browser tab's footage, keyframes, uploads and renders in a private folder.
- ``app``: the page (Gradio Blocks), its queue and the server.
"""

from .app import build_app, serve
from .session import Cancelled, RenderFiles, Session

__all__ = ["Cancelled", "RenderFiles", "Session", "build_app", "serve"]
