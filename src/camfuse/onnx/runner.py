"""Run a ``camfuse export`` folder with onnxruntime, as a drop-in for CamFuse at inference.

:class:`OnnxModel` answers what :func:`camfuse.render.stylise` asks of a model: ``cfg.sampling``,
the device, ``encode_painting(p)`` once per clip and ``model(p, footage, role=..., ...)`` per
window, returning a :class:`CamFuseOutput` whose ``frames`` is a CPU tensor. Only ``frames`` is
computed: attention maps and modality weights are left empty (they are for analysis, not
rendering). The graphs have fixed shapes, so inputs must match the exported size and window and
come one clip at a time (batch 1).

onnxruntime is imported only when a folder is loaded, so ``import camfuse`` stays light.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..checkpoint import CheckpointError, sha256
from ..config import ModelConfig
from ..models.interface import GUIDE_CHANNELS, CamFuseOutput, PaintingFeatures, check_guide
from .export import FORMAT, FRAMES, MANIFEST, MAPS, PAINTING, VERSION


class OnnxModel:
    """Two onnxruntime sessions (painting, frames) and the manifest they were exported with."""

    def __init__(
        self,
        *,
        cfg: ModelConfig,
        size: tuple[int, int],
        painting_size: tuple[int, int],
        window: int,
        painting: Any,  # onnxruntime.InferenceSession
        frames: Any,  # onnxruntime.InferenceSession
    ) -> None:
        self.cfg = cfg
        self.size = size  # (w, h) of the frames the graphs were traced for
        self.painting_size = (
            painting_size  # (w, h) the painting is encoded at (render.painting_size)
        )
        self.window = window
        self.device = torch.device("cpu")  # inputs and outputs travel as CPU arrays
        self._painting = painting
        self._frames = frames
        self._frame_inputs = {i.name for i in frames.get_inputs()}  # unused inputs get pruned

    @classmethod
    def load(cls, folder: str | Path, *, threads: int | None = None) -> OnnxModel:
        """Verify the manifest and checksums, then open both graphs (CUDA first if available)."""
        folder = Path(folder)
        info = _read_manifest(folder)
        try:
            cfg = ModelConfig(**info["model"])
            w, h = (int(v) for v in info["size"])
            pw, ph = (int(v) for v in info["painting_size"])
            window, sampling = int(info["window"]), info["sampling"]
            checksums = {name: info["sha256"][name] for name in (PAINTING, FRAMES)}
        except KeyError as exc:
            raise CheckpointError(f"{folder / MANIFEST} is invalid: missing {exc}") from None
        except (TypeError, ValueError) as exc:
            raise CheckpointError(f"{folder / MANIFEST} is invalid: {exc}") from None
        if sampling != cfg.sampling:
            raise CheckpointError(
                f"{folder / MANIFEST} is invalid: sampling flag disagrees with model"
            )
        for name, expected in checksums.items():
            path = folder / name
            if not path.is_file():
                raise CheckpointError(f"ONNX file not found: {path}")
            if sha256(path) != expected:
                raise CheckpointError(f"ONNX file is corrupt (checksum mismatch): {path}")
        model = cls(
            cfg=cfg,
            size=(w, h),
            painting_size=(pw, ph),
            window=window,
            painting=_session(folder / PAINTING, threads),
            frames=_session(folder / FRAMES, threads),
        )
        model._check_graphs(folder)
        return model

    def encode_painting(self, painting: torch.Tensor) -> PaintingFeatures:
        """(1, 3, ph, pw) in [0, 1] -> the projected painting maps at strides 4, 8, 16."""
        pw, ph = self.painting_size
        self._check_shape("painting", painting, (1, 3, ph, pw))
        maps = self._painting.run(list(MAPS), {"painting": _array(painting)})
        return PaintingFeatures(maps=[torch.from_numpy(m) for m in maps], pixels=painting)

    def __call__(
        self,
        painting: torch.Tensor | None,
        footage: torch.Tensor,
        *,
        role: torch.Tensor,
        strength: torch.Tensor | None = None,
        keyframe: torch.Tensor | None = None,
        painting_features: PaintingFeatures | None = None,
        guide: torch.Tensor | None = None,
    ) -> CamFuseOutput:
        """As ``CamFuse.forward``; ``guide`` (1, T, 7, h, w) is required iff ``cfg.sampling``."""
        w, h = self.size
        self._check_shape("footage", footage, (1, self.window, 3, h, w))
        check_guide(self.cfg, guide)
        pf = painting_features if painting_features is not None else self.encode_painting(painting)
        pw, ph = self.painting_size
        self._check_shape("painting", pf.pixels, (1, 3, ph, pw))
        feeds = {
            "footage": _array(footage),
            **{name: _array(m) for name, m in zip(MAPS, pf.maps, strict=True)},
            "pixels": _array(pf.pixels),
            "role": _array(role, np.int64),
            "strength": _array(torch.ones(1) if strength is None else strength),
            "keyframe": _array(torch.tensor([-1]) if keyframe is None else keyframe, np.int64),
        }
        if self.cfg.sampling:
            self._check_shape("guide", guide, (1, self.window, GUIDE_CHANNELS, h, w))
            feeds["guide"] = _array(guide)
        (frames,) = self._frames.run(
            ["frames"], {k: v for k, v in feeds.items() if k in self._frame_inputs}
        )
        return CamFuseOutput(frames=torch.from_numpy(frames), modality_weights=torch.empty(0))

    def _check_shape(self, what: str, x: torch.Tensor, expected: tuple[int, ...]) -> None:
        if tuple(x.shape) != expected:
            (w, h), (pw, ph) = self.size, self.painting_size
            raise ValueError(
                f"{what} has shape {tuple(x.shape)} but this ONNX export takes {expected}: it was "
                f"made for {w}x{h} frames in windows of {self.window} (painting {pw}x{ph}, "
                f"batch 1); re-export with "
                f"`camfuse export --size N --aspect W:H --window T` for another size or window"
            )

    def _check_graphs(self, folder: Path) -> None:
        """The graphs must take what the manifest says (an edited size or window is caught here)."""
        (w, h), (pw, ph) = self.size, self.painting_size
        expected = {
            (PAINTING, "painting"): [1, 3, ph, pw],
            (FRAMES, "footage"): [1, self.window, 3, h, w],
        }
        if self.cfg.painting_rgb:  # else the painting pixels are unused, not a graph input
            expected[(FRAMES, "pixels")] = [1, 3, ph, pw]
        if self.cfg.sampling:
            expected[(FRAMES, "guide")] = [1, self.window, GUIDE_CHANNELS, h, w]
        for (name, tensor), shape in expected.items():
            session = self._painting if name == PAINTING else self._frames
            found = {i.name: list(i.shape) for i in session.get_inputs()}.get(tensor)
            if found != shape:
                raise CheckpointError(
                    f"{folder / name} takes {tensor} of shape {found} but {folder / MANIFEST} "
                    f"says {shape}: the folder is mismatched; export it again"
                )


def _read_manifest(folder: Path) -> dict[str, Any]:
    if not folder.is_dir():
        raise CheckpointError(f"ONNX export folder not found: {folder}")
    path = folder / MANIFEST
    if not path.is_file():
        raise CheckpointError(f"{folder} has no {MANIFEST}: not a `camfuse export` folder")
    try:
        info = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CheckpointError(f"{path} is not valid JSON") from None
    if not isinstance(info, dict) or info.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a camfuse ONNX manifest")
    if info.get("version") != VERSION:
        raise CheckpointError(
            f"{path} has format version {info.get('version')!r}; this camfuse reads {VERSION}"
        )
    return info


def _session(path: Path, threads: int | None) -> Any:
    import onnxruntime as ort
    from onnxruntime.capi.onnxruntime_pybind11_state import (
        Fail,
        InvalidArgument,
        InvalidGraph,
        InvalidProtobuf,
        NoSuchFile,
    )

    if threads is not None and threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads or torch.get_num_threads()
    options.log_severity_level = 3  # errors only: the optimiser's notes are not the user's
    # no busy-waiting between ops: the render's flow, decode and encode threads need those cores
    # (onnx runs the network only; PyTorch keeps OpenMP's default policy: docs/performance.md)
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    providers = [
        p
        for p in ("CUDAExecutionProvider", "CPUExecutionProvider")
        if p in ort.get_available_providers()
    ]
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=providers)
    except (Fail, InvalidArgument, InvalidGraph, InvalidProtobuf, NoSuchFile) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise CheckpointError(f"onnxruntime cannot load {path}: {reason}") from None


def _array(x: torch.Tensor, dtype: type = np.float32) -> np.ndarray:
    """A contiguous CPU array; via torch's own cast, since numpy has no bf16 (autocast inputs)."""
    cast = torch.float32 if dtype is np.float32 else torch.int64
    return x.detach().to("cpu", cast).contiguous().numpy()
