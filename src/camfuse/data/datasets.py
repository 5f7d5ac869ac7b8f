"""Torch datasets over the synthetic generator, and over splits written to disk.

Seed ranges (documented because train/validation disjointness rests on them), for a base seed
``cfg.seed`` in [0, 10^5):

- training:   ``cfg.seed * 10^9 + seed_offset + n`` with n the global stream index, interleaved
  over DataLoader workers and distributed ranks, so no two workers or ranks repeat a sample;
  always < 10^14.
- validation: ``10^15 + cfg.seed * 10^6 + i`` for i < 10^6 (``validation_seeds``), also what
  ``write_split`` uses, so a split on disk equals the in-memory validation set of the same seed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from ..config import DataConfig, value_kind
from ..media import MediaError, read_image
from .synth import ROLES, generate_sample

TRAIN_STRIDE = 10**9
VALIDATION_BASE = 10**15
MAX_BASE_SEED = 10**5
ROLE_NAMES = {v: k for k, v in ROLES.items()}
FORMAT, VERSION = "camfuse-split", 1  # manifest.json of a split on disk (data/splits.py)
MIN_SPLIT_SIZE = 16  # px; what the generator makes at least


def _check_base(seed: int) -> None:
    if not 0 <= seed < MAX_BASE_SEED:
        raise ValueError(
            f"data seed must be in [0, {MAX_BASE_SEED}) to keep train/validation seeds apart, got {seed}"
        )


def train_seed(base: int, index: int, *, seed_offset: int = 0) -> int:
    """Seed of the ``index``-th training sample of the global stream."""
    _check_base(base)
    return base * TRAIN_STRIDE + seed_offset + index


def validation_seeds(base: int, count: int) -> list[int]:
    _check_base(base)
    if not 0 <= count < 10**6:
        raise ValueError(f"validation split size must be in [0, 10^6), got {count}")
    return [VALIDATION_BASE + base * 10**6 + i for i in range(count)]


def sample_role(seed: int, keyframe_prob: float) -> str:
    """The role of a sample, drawn from its own seed so every worker agrees."""
    return "keyframe" if np.random.default_rng([int(seed), 0]).random() < keyframe_prob else "style"


def generate_from_config(cfg: DataConfig, seed: int) -> dict:
    return generate_sample(
        seed,
        size=cfg.size,
        frames=cfg.frames,
        role=sample_role(seed, cfg.keyframe_prob),
        painters=cfg.painters or None,
        sources=cfg.sources,
        max_cutouts=cfg.max_cutouts,
        motion=cfg.motion,
        camera_effects=cfg.camera_effects,
    )


def _rank() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


class SynthDataset(IterableDataset):
    """Infinite on-the-fly samples; ``seed_offset`` skips ahead (e.g. steps * batch when resuming)."""

    def __init__(self, cfg: DataConfig, *, seed_offset: int = 0):
        _check_base(cfg.seed)
        self.cfg, self.seed_offset = cfg, seed_offset

    def seeds(self):
        """The infinite seed stream of this process: interleaved by (rank, worker)."""
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        rank, ranks = _rank()
        n = 0
        while True:
            yield train_seed(
                self.cfg.seed, (n * ranks + rank) * workers + worker, seed_offset=self.seed_offset
            )
            n += 1

    def __iter__(self):
        for seed in self.seeds():
            yield generate_from_config(self.cfg, seed)


class SplitStream(IterableDataset):
    """Endless passes over a split on disk (``data.train_split``), each in its own seeded order.

    Pass p is ``randperm(n)`` seeded by (seed, p); ``skip`` starts that many samples into the
    sequence (steps * batch * world when resuming), so a resumed run continues the same order
    instead of replaying the start. Interleaved by (rank, worker) like :class:`SynthDataset`.
    """

    def __init__(self, root: str | Path, *, seed: int, skip: int = 0):
        self.split, self.seed, self.skip = DiskDataset(root), seed, skip

    def order(self):
        """The global index sequence, from ``skip`` on."""
        n = len(self.split)
        p, off = divmod(self.skip, n)
        while True:
            g = torch.Generator().manual_seed(self.seed * 1_000_003 + p)
            yield from torch.randperm(n, generator=g).tolist()[off:]
            p, off = p + 1, 0

    def indices(self):
        """This process's share of :meth:`order`."""
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        rank, ranks = _rank()
        me, stride = rank * workers + worker, ranks * workers
        return (idx for i, idx in enumerate(self.order()) if i % stride == me)

    def __iter__(self):
        for idx in self.indices():
            yield self.split[idx]


class FixedSynthDataset(Dataset):
    """A fixed list of seeds, map-style: the validation split (``validation_seeds(cfg.seed, n)``)."""

    def __init__(self, cfg: DataConfig, seeds: list[int]):
        self.cfg, self.seeds = cfg, list(seeds)

    def __len__(self) -> int:
        return len(self.seeds)

    def __getitem__(self, i: int) -> dict:
        return generate_from_config(self.cfg, self.seeds[i])


class DiskDataset(Dataset):
    """A split written by ``write_split`` (``camfuse data make``), read back to generator tensors.

    ``seen`` is None for splits written before it existed (no ``seen/`` folders).
    """

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.manifest = read_manifest(self.root)
        self.samples = self.manifest["samples"]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> dict:
        entry = self.samples[i]
        d = self.root / entry["dir"]
        frames, size = self.manifest["frames"], self.manifest["size"]
        return {
            "painting": _read(d / "painting.png", size),
            "footage": torch.stack(
                [_read(d / "footage" / f"{t:04d}.png", size) for t in range(frames)]
            ),
            "target": torch.stack(
                [_read(d / "target" / f"{t:04d}.png", size) for t in range(frames)]
            ),
            "flow": _flow(d / "flow.npy", (frames - 1, 2, size, size)),
            "valid": _valid(d, frames, size),
            "seen": _seen(d, frames, size),
            "role": torch.tensor(ROLES[entry["role"]], dtype=torch.int64),
            "keyframe": torch.tensor(entry["keyframe"], dtype=torch.int64),
            "seed": torch.tensor(entry["seed"], dtype=torch.int64),
            "painter": entry["painter"],
            "params": json.dumps(entry["params"], sort_keys=True),
        }


def _valid(d: Path, frames: int, size: int) -> torch.Tensor:
    masks = [_read(d / "valid" / f"{t:04d}.png", size)[:1] for t in range(frames - 1)]
    return torch.stack(masks) if masks else torch.zeros(0, 1, size, size)


def _seen(d: Path, frames: int, size: int) -> torch.Tensor | None:
    """(T, 1, S, S) bool, or None for splits written before ``seen/`` existed."""
    if not (d / "seen").is_dir():
        return None
    return torch.stack([_read(d / "seen" / f"{t:04d}.png", size)[:1] > 0.5 for t in range(frames)])


def _read(path: Path, size: int) -> torch.Tensor:
    image = read_image(path)
    if image.shape[:2] != (size, size):
        h, w = image.shape[:2]
        raise MediaError(f"image {path} is {w}x{h}; the split's manifest says {size}x{size}")
    return torch.from_numpy(image.transpose(2, 0, 1).astype(np.float32) / 255.0)


def _flow(path: Path, shape: tuple[int, ...]) -> torch.Tensor:
    try:
        flow = np.load(path)  # no pickles: a bad file raises ValueError
    except (OSError, ValueError) as exc:
        raise MediaError(f"cannot read {path}: {exc.__class__.__name__}") from None
    if not isinstance(flow, np.ndarray) or flow.shape != shape:
        found = flow.shape if isinstance(flow, np.ndarray) else "an .npz archive"
        raise MediaError(f"{path} holds shape {found}, expected {shape}")
    return torch.from_numpy(flow.astype(np.float32))


def read_manifest(root: str | Path) -> dict[str, Any]:
    """The ``manifest.json`` of a split written by ``write_split``, checked field by field.

    Every reader of split manifests goes through here, so a damaged or hand-edited one is a
    :class:`MediaError` (a ValueError) with one line naming the field, never a KeyError later.
    """
    path = Path(root) / "manifest.json"
    if not path.is_file():
        raise MediaError(f"not a camfuse data split (no manifest.json): {root}")
    try:
        manifest = json.loads(path.read_text())
    except ValueError:  # also bad UTF-8
        raise MediaError(f"data split manifest {path} is not valid JSON") from None
    except RecursionError:
        raise MediaError(f"data split manifest {path} is invalid: nested too deeply") from None
    try:
        _check_manifest(manifest)
    except ValueError as exc:
        raise MediaError(f"data split manifest {path} is invalid: {exc}") from None
    return manifest


def _check_manifest(m: Any) -> None:
    if not isinstance(m, dict):
        raise ValueError(f"it must be a JSON object, got {value_kind(m)}")
    if m.get("format") != FORMAT:
        raise ValueError(f"not a camfuse data split (format {m.get('format')!r}, not {FORMAT!r})")
    if m.get("version") != VERSION:
        raise ValueError(f"version {m.get('version')!r} is not supported (expected {VERSION})")
    frames = _field(m, "frames", "", int, low=1)
    _field(m, "size", "", int, low=MIN_SPLIT_SIZE)
    _field(m, "seed", "", int, low=0)
    for i, s in enumerate(_field(m, "samples", "", list)):
        where = f"samples[{i}]"
        if not isinstance(s, dict):
            raise ValueError(f"{where} must be a mapping, got {value_kind(s)}")
        name = _field(s, "dir", where, str)
        if name in ("", ".", "..") or Path(name).name != name or "\\" in name:
            raise ValueError(f"{where}.dir must be a folder name, got {name!r}")
        role = _field(s, "role", where, str)
        if role not in ROLES:
            raise ValueError(f"{where}.role must be one of {', '.join(ROLES)}, got {role!r}")
        keyframe = _field(s, "keyframe", where, int)
        if role == "keyframe" and not 0 <= keyframe < frames:
            raise ValueError(f"{where}.keyframe must be in [0, {frames - 1}], got {keyframe}")
        if role == "style" and keyframe != -1:
            raise ValueError(f"{where}.keyframe must be -1 (style), got {keyframe}")
        if not 0 <= _field(s, "seed", where, int) < 2**63:  # it becomes an int64 tensor
            raise ValueError(f"{where}.seed must be in [0, 2**63), got {s['seed']}")
        _field(s, "painter", where, str)
        _field(s, "params", where, dict)


_TYPE_NAMES = {int: "an integer", str: "a string", list: "a list", dict: "a mapping"}


def _field(m: dict, key: str, where: str, kind: type, *, low: int | None = None) -> Any:
    """``m[key]``, of type ``kind`` (and >= ``low``); ValueError naming ``where.key`` if not."""
    if key not in m:
        raise ValueError(f"{where or 'it'} has no {key!r}")
    value, label = m[key], f"{where}.{key}" if where else key
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        shown = value_kind(value) if isinstance(value, list | dict) else repr(value)
        raise ValueError(f"{label} must be {_TYPE_NAMES[kind]}, got {shown}")
    if low is not None and value < low:
        raise ValueError(f"{label} must be >= {low}, got {value}")
    return value


def collate(batch: list[dict]) -> dict:
    """Stack tensors along a new batch dimension; strings (painter, params) become lists."""
    out = {}
    for key in batch[0]:
        values = [b[key] for b in batch]
        out[key] = torch.stack(values) if isinstance(values[0], torch.Tensor) else values
    return out
