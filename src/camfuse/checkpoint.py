"""Model files: safetensors weights beside the resolved config as JSON.

``X.safetensors`` holds the weights (fp32 or fp16); ``X.json`` holds ``{"config": ..., "note": ...,
"sha256": ...}`` where sha256 is the weights file's checksum, verified on load so a corrupt or
mismatched file fails with one clear line instead of a shape error deep in PyTorch.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from .config import CamFuseConfig, ModelConfig, value_kind
from .media import staged_output, write_atomic
from .models.camfuse import CamFuse

ASSET_DIR = Path(__file__).parent / "assets"
DEFAULT_MODEL = ASSET_DIR / "default.safetensors"


class CheckpointError(ValueError):
    """A missing, corrupt or mismatched model file; the message is one line fit for stderr."""


def model_paths(path: str | Path) -> tuple[Path, Path]:
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in {".safetensors", ".json"} else path
    return stem.with_suffix(".safetensors"), stem.with_suffix(".json")


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_checkpoint(
    path: str | Path,
    model: CamFuse,
    cfg: CamFuseConfig,
    *,
    half: bool = False,
    note: str = "",
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write ``X.safetensors`` + ``X.json`` atomically (temp names, then rename); returns the weights path."""
    weights, meta = model_paths(path)
    weights.parent.mkdir(parents=True, exist_ok=True)
    dtype = torch.float16 if half else torch.float32
    state = {
        k: (v.detach().to("cpu", dtype) if v.is_floating_point() else v.detach().cpu()).contiguous()
        for k, v in model.state_dict().items()
    }
    with staged_output(weights, "file", overwrite=True) as tmp_w:
        save_file(state, str(tmp_w))
        info = {
            "config": cfg.to_dict(),
            "note": note,
            "sha256": sha256(tmp_w),
            "dtype": str(dtype).removeprefix("torch."),
            **(extra or {}),
        }
        write_atomic(meta, json.dumps(info, indent=2, sort_keys=True))
    return weights


def read_meta(path: str | Path) -> dict[str, Any]:
    """The JSON beside the weights, its ``config`` checked: :class:`CheckpointError` says what is wrong."""
    return _read(path)[0]


def _read(path: str | Path) -> tuple[dict[str, Any], CamFuseConfig]:
    weights, meta = model_paths(path)
    if not weights.is_file():
        raise CheckpointError(f"model file not found: {weights}")
    if not meta.is_file():
        raise CheckpointError(f"model config not found beside the weights: {meta}")
    try:
        info = json.loads(meta.read_text())
    except ValueError:  # also bad UTF-8, and integers of more digits than Python converts
        raise CheckpointError(f"model config is not valid JSON: {meta}") from None
    except RecursionError:
        raise CheckpointError(f"model config {meta} is invalid: nested too deeply") from None
    try:
        if not isinstance(info, dict):
            raise ValueError(f"it must be a JSON object, got {value_kind(info)}")
        if "config" not in info:
            raise ValueError("it has no 'config'")
        if not isinstance(info.get("sha256", ""), str):
            raise ValueError(f"sha256 must be a string, got {value_kind(info['sha256'])}")
        return info, CamFuseConfig.from_dict(info["config"])
    except ValueError as exc:
        raise CheckpointError(f"model config {meta} is invalid: {exc}") from None


def load_model(
    path: str | Path | None = None, device: str | torch.device = "cpu"
) -> tuple[CamFuse, CamFuseConfig]:
    """Load weights + config (None = the bundled default), verify, and return an eval-mode model.

    The backbone is built without its initial weights (``model.weights``): the file's tensors
    replace them, so they are neither read nor downloaded.
    """
    path = DEFAULT_MODEL if path is None else Path(path)
    weights, _ = model_paths(path)
    info, cfg = _read(weights)
    if info.get("sha256") and sha256(weights) != info["sha256"]:
        raise CheckpointError(f"model file is corrupt (checksum mismatch): {weights}")
    build = dataclasses.replace(cfg.model, weights=None)
    _check_shapes(weights, build)
    model = CamFuse(build)
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"cannot read model file {weights}: {exc}") from None
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    return model.to(device).eval(), cfg


def _check_shapes(weights: Path, cfg: ModelConfig) -> None:
    """The file's tensor names and shapes against the config's, before anything is allocated."""
    try:
        with torch.device("meta"):  # shapes only: a config claiming a huge model costs nothing
            expected = {k: tuple(v.shape) for k, v in CamFuse(cfg).state_dict().items()}
    except (ValueError, RuntimeError) as exc:  # RuntimeError: sizes beyond what torch can hold
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CheckpointError(
            f"model config {weights.with_suffix('.json')} is invalid: {reason}"
        ) from None
    try:
        with safe_open(str(weights), framework="pt") as f:
            found = {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"cannot read model file {weights}: {exc}") from None
    missing, unexpected = set(expected) - set(found), set(found) - set(expected)
    bad = [k for k in set(expected) & set(found) if expected[k] != found[k]]
    if missing or unexpected or bad:
        raise CheckpointError(
            f"model file {weights} does not match its config: {len(missing)} missing, "
            f"{len(unexpected)} unexpected, {len(bad)} mis-shaped tensors"
        )
