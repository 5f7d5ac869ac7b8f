"""Rendering: a painting + footage -> painterly frames, streamed in bounded memory.

Read in the order a render runs:

- ``plan``: validate every option and input, decide sizes (:func:`prepare` -> :class:`RenderPlan`);
  nothing is loaded or written yet.
- ``run``: load the model, stream, write the output atomically (:func:`render`).
- ``stream``: the painting encoded once, overlapping windows through the model (:func:`stylise`),
  with ``windows`` (the schedule and crossfade) and ``pipeline`` (background threads).
- ``runtime``: device, precision, channels-last, compilation.

Depends on ``models``, ``guide``, ``media`` and ``onnx``; never on ``data``, ``training`` or
``evaluation`` (a test checks that importing this package loads none of them).
"""

import sys
import types

from .plan import RenderPlan, prepare
from .run import RenderSummary, render
from .stream import model_device, stylise, window_conditioning


class _CallableModule(types.ModuleType):
    """``camfuse.render(painting, footage, out, ...)`` is :func:`render`: importing this package
    replaces the attribute ``camfuse.render`` with the package, so the package itself renders."""

    def __call__(self, *args, **kwargs) -> RenderSummary:
        return render(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [
    "RenderPlan",
    "RenderSummary",
    "model_device",
    "prepare",
    "render",
    "stylise",
    "window_conditioning",
]
