"""``camfuse`` command line: thin -- parse, validate, dispatch (one module per command group).

- ``app``: the Typer app, one-line errors and exit codes, logging, the progress bar.
- ``options``: the options several commands share.
- ``render`` (render, frames, demo, info), ``train`` (train, data make), ``evaluate`` (evaluate,
  ablate), ``export``, ``ui``, ``batch``: the commands, registered on the app by importing them here.

Nothing imports this package but the console script and ``python -m camfuse``.
"""

from . import batch, evaluate, export, render, train, ui  # noqa: F401  registers the commands on the app
from .app import app, main

__all__ = ["app", "main"]
