"""``camfuse ui``: the web app (registered on the app). Parse, validate, dispatch."""

from __future__ import annotations

import typer

from . import options
from .app import app


@app.command()
def ui(
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to bind (default: this machine only)."
    ),
    port: int = typer.Option(7860, "--port", help="Port to serve on."),
    checkpoint: str | None = options.checkpoint(),
    device: str = options.device(),
) -> None:
    """A web page for the whole path: load footage, paint keyframes, preview, render, download."""
    from ..ui import serve

    typer.echo(f"camfuse ui on http://{host}:{port} (Ctrl-C to stop)")
    serve(host=host, port=port, checkpoint=checkpoint, device=device)
