"""camfuse as the user runs it: :func:`camfuse.render.render` on a PNG folder, frames read back.

The real-footage split (:mod:`camfuse.data.real`) measures the shipped path, not a re-assembly of
its parts: the footage folder and the paint-over go through ``camfuse.render.render`` exactly as
``camfuse render --footage DIR --painting P --keyframe K --out DIR`` takes them, at the footage's
size, with the adaptation mode of the row. Rows:

- ``camfuse``: ``resolution="full"`` (the default), adaptation as ``--adapt`` (default auto);
- ``camfuse-noadapt``: the same with adaptation off;
- ``camfuse-256`` / ``camfuse-256-noadapt``: ``resolution="model"``, everything at 256 px and
  scaled up (the path before full-resolution output);
- ``camfuse-network-on`` / ``camfuse-network-off``: the ``camfuse`` row with the network forced
  on or off (``--network``; the default, auto, renders a paint-over without it: the guide and
  the fill composed alone), so every run shows what the network adds;
- ``camfuse-strokes-off``: the ``camfuse`` row without the keyframe's marks copied where the
  fill paints (``--strokes off``, :mod:`camfuse.render.strokes`).

Caveat: s/frame includes decoding the PNG footage and writing and reading back the PNG output
(tens of ms per frame at 720p), as a user's render pays for them too; not the model load, which
happens once per evaluation.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from ..media import MediaError, frame_files, read_image

RESOLUTIONS = {"camfuse": "full", "camfuse-256": "model"}
NETWORK_ROWS = {"camfuse-network-on": "on", "camfuse-network-off": "off"}  # else the default
STROKES_OFF = "camfuse-strokes-off"
RENDER_ROWS = (*RESOLUTIONS, *(f"{n}-noadapt" for n in RESOLUTIONS), *NETWORK_ROWS, STROKES_OFF)


class RenderMethod:
    """One ``camfuse.render.render`` configuration behind the file-based method interface."""

    files = True  # takes (painting file, footage folder) instead of tensors

    def __init__(
        self,
        name: str,
        *,
        model: tuple[torch.nn.Module, object] | None = None,
        checkpoint: str | Path | None = None,
        device: str = "auto",
        adapt: str = "auto",
    ):
        if name not in RENDER_ROWS:
            raise ValueError(f"unknown render row {name!r}; choose from {', '.join(RENDER_ROWS)}")
        base = "camfuse" if name in (*NETWORK_ROWS, STROKES_OFF) else name.removesuffix("-noadapt")
        self.name, self.resolution = name, RESOLUTIONS[base]
        self.network = NETWORK_ROWS.get(name, "auto")
        self.strokes = "off" if name == STROKES_OFF else "on"
        self.adapt = "off" if name.endswith("-noadapt") else str(adapt)
        self.checkpoint, self.device = checkpoint, device
        self._model = model[0] if isinstance(model, tuple) else model
        size = "at the footage's size" if self.resolution == "full" else "at 256 px, scaled up"
        self.label = (
            f"camfuse render {size}, --adapt {self.adapt}"
            + (f", --network {self.network}" if self.network != "auto" else "")
            + (", --strokes off" if self.strokes == "off" else "")
        )

    def from_files(self, painting: Path, footage: Path, *, keyframe: int) -> Tensor:
        """painting file + footage folder -> rendered frames (T, 3, H, W) float in [0, 1]."""
        from ..render import render
        from ..render.runtime import prepare_for_inference

        if self._model is not None:
            prepare_for_inference(self._model, channels_last=True)  # as render does when loading
        with tempfile.TemporaryDirectory(prefix="camfuse-eval-") as tmp:
            out = Path(tmp) / "frames"
            render(
                painting,
                footage,
                out,
                model=self._model,
                keyframe=keyframe,
                resolution=self.resolution,
                network=self.network,
                strokes=self.strokes,
                adapt=self.adapt,
                checkpoint=self.checkpoint,
                device=self.device,
                overwrite=True,
            )
            return read_folder(out)


def read_folder(folder: Path) -> Tensor:
    """A folder of RGB frames -> float (T, 3, H, W) in [0, 1]."""
    files = frame_files(folder)
    if not files:
        raise MediaError(f"no frames were written to {folder}")
    frames = np.stack([read_image(f) for f in files])
    return torch.from_numpy(frames).permute(0, 3, 1, 2).float() / 255.0
