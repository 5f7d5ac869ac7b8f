"""ONNX export: a trained CamFuse as two fixed-shape graphs plus a manifest, for onnxruntime.

The model splits where the renderer already splits it: ``painting.onnx`` encodes the painting once
per clip, ``frames.onnx`` renders one window of T frames from the footage and those painting maps.
``camfuse-onnx.json`` records what the graphs were traced for (size, window, sampling), the model
config they came from and each graph's sha256, so :class:`camfuse.onnx.runner.OnnxModel` can refuse
a corrupt or mismatched folder in one line instead of failing inside onnxruntime.

Caveat: size and window are baked in (tracing fixes every shape; the attention over T*h*w tokens
and the stride arithmetic are unrolled for them); export once per render size. The painting is
traced at the size the renderer encodes it at (:func:`camfuse.models.inputs.painting_size`: the frame
size, or smaller when its tokens exceed ``model.max_tokens``). The folder is written under a
temporary sibling name and renamed only when complete.
"""

from __future__ import annotations

import copy
import dataclasses
import io
import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..checkpoint import sha256
from ..media import check_output, staged_output
from ..models.camfuse import CamFuse
from ..models.interface import GUIDE_CHANNELS

FORMAT = "camfuse-onnx"
VERSION = 1
MANIFEST = "camfuse-onnx.json"
PAINTING, FRAMES = "painting.onnx", "frames.onnx"
EXPORT_FILES = (MANIFEST, PAINTING, FRAMES)  # all an export folder holds
MAPS = ("map_s4", "map_s8", "map_s16")  # painting maps at strides 4, 8, 16
OPSET = 17  # LayerNormalization is a single op from 17 on; every onnxruntime >= 1.17 runs it


class _PaintingGraph(nn.Module):
    """painting (1, 3, h, w) -> the three projected maps, as a tuple (ONNX has no dataclasses)."""

    def __init__(self, model: CamFuse) -> None:
        super().__init__()
        self.model = model

    def forward(self, painting: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(self.model.encode_painting(painting).maps)


class _FramesGraph(nn.Module):
    """One window: footage + painting maps + conditioning (+ guide) -> frames (1, T, 3, h, w)."""

    def __init__(self, model: CamFuse) -> None:
        super().__init__()
        self.model = model

    def forward(self, footage, m4, m8, m16, pixels, role, strength, keyframe, guide=None):
        from ..models.interface import PaintingFeatures

        pf = PaintingFeatures(maps=[m4, m8, m16], pixels=pixels)
        out = self.model(
            None,
            footage,
            role=role,
            strength=strength,
            keyframe=keyframe,
            painting_features=pf,
            guide=guide,
        )
        return out.frames


def check_out_dir(
    out_dir: str | Path, overwrite: bool, inputs: tuple[str | Path | None, ...] = ()
) -> Path:
    """Refuse an existing ``out_dir`` without ``overwrite``, any folder that is not an export
    (``--overwrite`` must never delete someone's unrelated files) and an ``out_dir`` that is, holds
    or lies inside one of ``inputs`` (the model file)."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"refusing to replace {out}: it is not a camfuse ONNX export folder")
    check_output(out, inputs, overwrite, flag="--onnx", owned=lambda f: f.name in EXPORT_FILES)
    return out


def export_onnx(
    model: CamFuse,
    *,
    out_dir: str | Path,
    size: tuple[int, int],
    window: int,
    overwrite: bool = False,
) -> Path:
    """Write ``painting.onnx``, ``frames.onnx`` and ``camfuse-onnx.json`` for frames of ``size``
    (w, h) in windows of ``window`` frames; returns ``out_dir``."""
    out = check_out_dir(out_dir, overwrite)
    w, h = size
    if w % 16 or h % 16 or w < 32 or h < 32:
        raise ValueError(
            f"export size {w}x{h} must be a multiple of 16 and at least 32 px per side"
        )
    if not 1 <= window <= model.cfg.max_frames:
        raise ValueError(
            f"window must be in [1, model.max_frames={model.cfg.max_frames}], got {window}"
        )
    from ..models.inputs import painting_size  # the renderer's rule, not a copy of it

    max_tokens = getattr(model.cfg, "max_tokens", None)  # absent from older model configs
    pw, ph = size if max_tokens is None else painting_size((w, h), max_tokens)
    with staged_output(out, "frames", overwrite=True) as tmp:
        tmp.mkdir()
        with _export_mode(model) as m:
            _write_graphs(m, tmp, size=(w, h), painting_size=(pw, ph), window=window)
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "size": [w, h],
            "painting_size": [pw, ph],
            "window": window,
            "sampling": bool(model.cfg.sampling),
            "model": dataclasses.asdict(model.cfg),
            "sha256": {name: sha256(tmp / name) for name in (PAINTING, FRAMES)},
            "opset": OPSET,
            "torch": torch.__version__,
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return out


def max_abs_diff(model: CamFuse, exported: Any, *, seed: int = 0) -> float:
    """Largest |PyTorch - onnxruntime| on random inputs: the painting maps, and one window in each
    role (paint-over with the keyframe inside the window; style reference). ``exported`` is an
    :class:`camfuse.onnx.runner.OnnxModel`; this is the equivalence check ``camfuse export`` prints."""
    (w, h), (pw, ph), t = exported.size, exported.painting_size, exported.window
    g = torch.Generator().manual_seed(seed)
    painting = torch.rand(1, 3, ph, pw, generator=g)
    footage = torch.rand(1, t, 3, h, w, generator=g)
    guide = torch.rand(1, t, GUIDE_CHANNELS, h, w, generator=g) if model.cfg.sampling else None
    strength = torch.tensor([0.8])
    with _export_mode(model) as m, torch.no_grad():
        ours, theirs = m.encode_painting(painting), exported.encode_painting(painting)
        diffs = [(a - b).abs().max().item() for a, b in zip(ours.maps, theirs.maps, strict=True)]
        for role, keyframe in ((0, t // 2), (1, -1)):
            cond = {"role": torch.tensor([role]), "strength": strength, "guide": guide}
            cond["keyframe"] = torch.tensor([keyframe])
            a = m(painting, footage, painting_features=ours, **cond).frames
            b = exported(painting, footage, painting_features=theirs, **cond).frames
            diffs.append((a - b).abs().max().item())
    return max(diffs)


def _write_graphs(
    model: CamFuse,
    folder: Path,
    *,
    size: tuple[int, int],
    painting_size: tuple[int, int],
    window: int,
) -> None:
    (w, h), (pw, ph) = size, painting_size
    g = torch.Generator().manual_seed(0)
    painting = torch.rand(1, 3, ph, pw, generator=g)
    footage = torch.rand(1, window, 3, h, w, generator=g)
    cond = (torch.tensor([0]), torch.tensor([1.0]), torch.tensor([0]))  # role, strength, keyframe
    guide = torch.rand(1, window, GUIDE_CHANNELS, h, w, generator=g) if model.cfg.sampling else None
    with torch.no_grad():
        maps = tuple(model.encode_painting(painting).maps)
        _trace(_PaintingGraph(model), (painting,), folder / PAINTING, ["painting"], list(MAPS))
        names = ["footage", *MAPS, "pixels", "role", "strength", "keyframe"]
        args = (footage, *maps, painting, *cond)
        if guide is not None:
            names, args = [*names, "guide"], (*args, guide)
        _trace(_FramesGraph(model), args, folder / FRAMES, names, ["frames"])


def _trace(
    module: nn.Module, args: tuple, path: Path, inputs: list[str], outputs: list[str]
) -> None:
    """The TorchScript exporter: it handles this model quietly and exactly (the dynamo exporter
    needs onnxscript and is noisier); its deprecation and tracer warnings are not the user's."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            args,
            buffer,
            input_names=inputs,
            output_names=outputs,
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    path.write_bytes(buffer.getvalue())


@contextmanager
def _export_mode(model: CamFuse) -> Iterator[CamFuse]:
    """The model in eval mode on CPU in fp32: a copy if it lives elsewhere (the caller's model is
    never moved), else itself with its train/eval mode restored afterwards."""
    p = next(model.parameters())
    if p.device.type != "cpu" or p.dtype != torch.float32:
        yield copy.deepcopy(model).to("cpu", torch.float32).eval()
        return
    training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(training)
