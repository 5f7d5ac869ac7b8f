"""Model files: safetensors weights beside the resolved config as JSON.

``X.safetensors`` holds the weights (fp32 or fp16); ``X.json`` holds ``{"config": ..., "note": ...,
"sha256": ...}`` where sha256 is the weights file's checksum, verified on load so a corrupt or
mismatched file fails with one clear line instead of a shape error deep in PyTorch.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .config import CamFuseConfig
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
    tmp_w = weights.with_name(f".{weights.name}.partial")
    tmp_m = meta.with_name(f".{meta.name}.partial")
    save_file(state, str(tmp_w))
    info = {
        "config": cfg.to_dict(),
        "note": note,
        "sha256": sha256(tmp_w),
        "dtype": str(dtype).removeprefix("torch."),
        **(extra or {}),
    }
    tmp_m.write_text(json.dumps(info, indent=2, sort_keys=True))
    os.replace(tmp_w, weights)
    os.replace(tmp_m, meta)
    return weights


def read_meta(path: str | Path) -> dict[str, Any]:
    weights, meta = model_paths(path)
    if not weights.is_file():
        raise CheckpointError(f"model file not found: {weights}")
    if not meta.is_file():
        raise CheckpointError(f"model config not found beside the weights: {meta}")
    try:
        return json.loads(meta.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CheckpointError(f"model config is not valid JSON: {meta}") from None


def load_model(
    path: str | Path | None = None, device: str | torch.device = "cpu"
) -> tuple[CamFuse, CamFuseConfig]:
    """Load weights + config (None = the bundled default), verify, and return an eval-mode model."""
    path = DEFAULT_MODEL if path is None else Path(path)
    weights, _ = model_paths(path)
    info = read_meta(weights)
    if info.get("sha256") and sha256(weights) != info["sha256"]:
        raise CheckpointError(f"model file is corrupt (checksum mismatch): {weights}")
    try:
        cfg = CamFuseConfig.from_dict(info["config"])
        model = CamFuse(cfg.model)
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(
            f"model config in {weights.with_suffix('.json')} is invalid: {exc}"
        ) from None
    try:
        state = load_file(str(weights))
    except (SafetensorError, OSError) as exc:
        raise CheckpointError(f"cannot read model file {weights}: {exc}") from None
    expected = model.state_dict()
    missing, unexpected = set(expected) - set(state), set(state) - set(expected)
    bad = [k for k in set(expected) & set(state) if expected[k].shape != state[k].shape]
    if missing or unexpected or bad:
        raise CheckpointError(
            f"model file {weights} does not match its config: {len(missing)} missing, "
            f"{len(unexpected)} unexpected, {len(bad)} mis-shaped tensors"
        )
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    return model.to(device).eval(), cfg
