"""DataModule: the infinite on-the-fly synthetic stream for training, a fixed split for validation.

The training stream is an ``IterableDataset`` that shards itself by rank and worker, so Lightning
must not (and does not) wrap it in a ``DistributedSampler``; the fixed validation split is map-style
and does get one. On resume the stream starts past the samples already consumed instead of
replaying the first ones.

With ``data.train_split`` set, training instead cycles through a fixed split on disk in an order
shuffled by ``train.seed`` (pass after pass, resuming where it stopped). Generating clips costs more CPU than a bf16 training
step at 128 px; a pre-generated pool is how several runs (ablations, seeds) share identical data.
"""

from __future__ import annotations

from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader

from ..config import CamFuseConfig
from ..data.datasets import FixedSynthDataset, SplitStream, SynthDataset, collate, validation_seeds
from ..guide.track import TRAIN_FLOW, clip_guide
from ..render.adapt import AdaptedFill, fit_features


class CamFuseDataModule(L.LightningDataModule):
    def __init__(self, cfg: CamFuseConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.val_set = FixedSynthDataset(
            cfg.data, validation_seeds(cfg.data.seed, cfg.data.val_samples)
        )

    def train_dataloader(self) -> DataLoader:
        # global_step is already restored from the checkpoint when Lightning asks for this loader;
        # skipping steps * batch * world stream indices passes every sample any rank has used
        step = self.trainer.global_step if self.trainer is not None else 0
        world = self.trainer.world_size if self.trainer is not None else 1
        consumed = step * self.cfg.train.batch_size * world
        if self.cfg.data.train_split:
            return self._split_loader(consumed)
        return self._loader(SynthDataset(self.cfg.data, seed_offset=consumed))

    def _split_loader(self, consumed: int) -> DataLoader:
        stream = SplitStream(self.cfg.data.train_split, seed=self.cfg.train.seed, skip=consumed)
        n, m = len(stream.split), stream.split.manifest
        if n < self.cfg.train.batch_size:
            raise ValueError(
                f"training split {self.cfg.data.train_split} has {n} clips, fewer than "
                f"one batch ({self.cfg.train.batch_size})"
            )
        if (m["size"], m["frames"]) != (self.cfg.data.size, self.cfg.data.frames):
            raise ValueError(
                f"training split {self.cfg.data.train_split} holds {m['frames']} frames at "
                f"{m['size']} px; the config trains on {self.cfg.data.frames} at {self.cfg.data.size}"
            )
        return self._loader(stream)

    def val_dataloader(self) -> DataLoader:
        return self._loader(self.val_set)

    def preview_batch(self) -> dict[str, Any]:
        """The fixed sample drawn on every preview sheet: the first clip of the validation split."""
        return self._collate([self.val_set[0]])

    @property
    def _collate(self):
        if not self.cfg.model.sampling:
            return collate
        return guided_collate if self.cfg.data.fill == "colour" else adapted_collate

    def _loader(self, dataset: torch.utils.data.Dataset) -> DataLoader:
        workers = self.cfg.data.workers
        return DataLoader(
            dataset,
            batch_size=self.cfg.train.batch_size,
            num_workers=workers,
            collate_fn=self._collate,  # runs in the workers: so does the guide's optical flow
            persistent_workers=workers > 0,
            pin_memory=torch.cuda.is_available(),
        )


def with_guide(sample: dict[str, Any], adapted: bool = False) -> dict[str, Any]:
    """Add the painting-sampling guide (:mod:`camfuse.guide`) to one generator sample.
    ``adapted`` (``data.fill = "features"``): what the track cannot carry is painted by the
    feature map fitted on the clip's keyframe pair, as ``camfuse render`` paints it, instead of
    the keyframe's colour map."""
    keyframe = int(sample["keyframe"]) if int(sample["role"]) == 0 else None
    fill = None
    if adapted and keyframe is not None:
        fill = AdaptedFill(None, fit_features(sample["footage"][keyframe], sample["painting"]))
    guide = clip_guide(
        sample["painting"], sample["footage"], keyframe, preset=TRAIN_FLOW, fill=fill
    )
    return {**sample, "guide": guide}


def guided_collate(batch: list[dict[str, Any]]) -> dict[str, Any]:
    return collate([with_guide(s) for s in batch])


def adapted_collate(batch: list[dict[str, Any]]) -> dict[str, Any]:
    return collate([with_guide(s, adapted=True) for s in batch])
