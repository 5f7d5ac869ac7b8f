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

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, get_worker_info

from ..config import DataConfig
from ..media import MediaError, read_image
from .synth import ROLES, generate_sample

TRAIN_STRIDE = 10**9
VALIDATION_BASE = 10**15
MAX_BASE_SEED = 10**5
ROLE_NAMES = {v: k for k, v in ROLES.items()}


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
    """A split written by ``write_split`` (``camfuse data make``), read back to generator tensors."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        manifest = self.root / "manifest.json"
        if not manifest.is_file():
            raise MediaError(f"not a camfuse data split (no manifest.json): {self.root}")
        self.manifest = json.loads(manifest.read_text())
        self.samples = self.manifest["samples"]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> dict:
        entry = self.samples[i]
        d = self.root / entry["dir"]
        frames = self.manifest["frames"]
        return {
            "painting": _read(d / "painting.png"),
            "footage": torch.stack([_read(d / "footage" / f"{t:04d}.png") for t in range(frames)]),
            "target": torch.stack([_read(d / "target" / f"{t:04d}.png") for t in range(frames)]),
            "flow": torch.from_numpy(np.load(d / "flow.npy").astype(np.float32)),
            "valid": _valid(d, frames, self.manifest["size"]),
            "role": torch.tensor(ROLES[entry["role"]], dtype=torch.int64),
            "keyframe": torch.tensor(entry["keyframe"], dtype=torch.int64),
            "seed": torch.tensor(entry["seed"], dtype=torch.int64),
            "painter": entry["painter"],
            "params": json.dumps(entry["params"], sort_keys=True),
        }


def _valid(d: Path, frames: int, size: int) -> torch.Tensor:
    masks = [_read(d / "valid" / f"{t:04d}.png")[:1] for t in range(frames - 1)]
    return torch.stack(masks) if masks else torch.zeros(0, 1, size, size)


def _read(path: Path) -> torch.Tensor:
    return torch.from_numpy(read_image(path).transpose(2, 0, 1).astype(np.float32) / 255.0)


def collate(batch: list[dict]) -> dict:
    """Stack tensors along a new batch dimension; strings (painter, params) become lists."""
    out = {}
    for key in batch[0]:
        values = [b[key] for b in batch]
        out[key] = torch.stack(values) if isinstance(values[0], torch.Tensor) else values
    return out
