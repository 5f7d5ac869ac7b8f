"""Callbacks of a camfuse training run: checkpoints + export, preview sheets, final validation,
CPU threads per process, and the run summary (``metrics.json``).

Anything that writes a file does so on global rank 0 only; ``trainer.save_checkpoint`` is called on
every rank because it synchronises them (rank 0 writes).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback, RichProgressBar
from PIL import Image

from ..checkpoint import save_checkpoint
from ..config import CamFuseConfig

PREVIEW_TILE = 128  # preview tiles are upscaled (nearest) to at least this many pixels per side


class PeriodicCheckpoint(Callback):
    """Full training state to ``checkpoints/last.ckpt`` every ``every`` steps and when training ends,
    each time exporting the model beside the run (``model.safetensors`` + ``model.json``).

    Used instead of ``ModelCheckpoint``, whose ``save_last`` misses the final step whenever
    ``max_steps`` is not a multiple of the interval; ``--resume`` must continue from the very end.
    """

    def __init__(self, *, out_dir: Path, cfg: CamFuseConfig, every: int) -> None:
        self.out_dir, self.cfg, self.every = Path(out_dir), cfg, every
        self._saved_step = -1

    @property
    def last_path(self) -> Path:
        return self.out_dir / "checkpoints" / "last.ckpt"

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any
    ) -> None:
        if self.every > 0 and trainer.global_step % self.every == 0:
            self._save(trainer, pl_module)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._saved_step != trainer.global_step:
            self._save(trainer, pl_module)

    def _save(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        trainer.save_checkpoint(self.last_path, weights_only=False)
        if trainer.is_global_zero:
            step = trainer.global_step
            save_checkpoint(
                self.out_dir / "model",
                pl_module.model,
                self.cfg,
                note=f"camfuse train, step {step}",
                extra={"step": step},
            )
        self._saved_step = trainer.global_step


class FinalValidation(Callback):
    """Ends the run at ``max_steps`` through ``trainer.should_stop``, which Lightning follows with one
    more validation (as after early stopping): the run always ends with metrics of its final weights,
    whether or not ``max_steps`` is a multiple of ``val_every``."""

    def on_train_batch_end(self, trainer: L.Trainer, *args: Any) -> None:
        if 0 < trainer.max_steps <= trainer.global_step:
            trainer.should_stop = True


class PreviewSheet(Callback):
    """Every ``every`` steps (and at the end) draws a fixed validation clip to
    ``previews/step_XXXXXX.png``: rows painting | footage | prediction | truth, frames left to right."""

    def __init__(self, *, out_dir: Path, batch: dict[str, Any], every: int) -> None:
        self.dir, self.batch, self.every = Path(out_dir) / "previews", batch, every
        self._drawn_step = -1

    def on_train_batch_end(
        self, trainer: L.Trainer, pl_module: L.LightningModule, *args: Any
    ) -> None:
        if self.every > 0 and trainer.global_step % self.every == 0:
            self._draw(trainer, pl_module)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if self._drawn_step != trainer.global_step:
            self._draw(trainer, pl_module)

    def _draw(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._drawn_step = trainer.global_step
        if not trainer.is_global_zero:
            return
        batch = {
            k: v.to(pl_module.device) if torch.is_tensor(v) else v for k, v in self.batch.items()
        }
        was_training = pl_module.training
        pl_module.eval()
        with torch.no_grad():
            pred = pl_module(batch).frames.float().clamp(0, 1)
        pl_module.train(was_training)
        sheet = preview_sheet(
            batch["painting"][0], batch["footage"][0], pred[0], batch["target"][0]
        )
        self.dir.mkdir(parents=True, exist_ok=True)
        Image.fromarray(sheet).save(self.dir / f"step_{trainer.global_step:06d}.png")


def preview_sheet(
    painting: torch.Tensor, footage: torch.Tensor, pred: torch.Tensor, truth: torch.Tensor
) -> np.ndarray:
    """painting (3, S, S), footage/pred/truth (T, 3, S, S) in [0, 1] -> uint8 (4*S', T*S', 3) sheet."""
    t, _, s, _ = footage.shape
    blank = torch.full_like(painting, 0.5)
    rows = [torch.stack([painting] + [blank] * (t - 1)), footage, pred, truth]  # each (T, 3, S, S)
    grid = torch.stack(rows).float().cpu().clamp(0, 1)  # (4, T, 3, S, S)
    grid = grid.permute(0, 3, 1, 4, 2).reshape(4 * s, t * s, 3)  # rows of frames side by side
    scale = max(1, -(-PREVIEW_TILE // s))
    grid = grid.repeat_interleave(scale, dim=0).repeat_interleave(scale, dim=1)
    return (grid.numpy() * 255 + 0.5).astype(np.uint8)


class ThreadLimit(Callback):
    """Sets torch's intra-op threads in every process (``setup`` runs after DDP spawns): N processes
    on C cores get C // N threads each instead of C each, which oversubscribes and crawls."""

    def __init__(self, threads: int) -> None:
        self.threads = threads

    def setup(self, trainer: L.Trainer, pl_module: L.LightningModule, stage: str) -> None:
        torch.set_num_threads(self.threads)


class RunSummary(Callback):
    """Writes ``metrics.json`` at the end: final validation metrics, steps, wall time, speed."""

    def __init__(self, *, out_dir: Path) -> None:
        self.path = Path(out_dir) / "metrics.json"
        self._start: tuple[float, int] = (0.0, 0)

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._start = (time.perf_counter(), trainer.global_step)

    def on_train_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        seconds = time.perf_counter() - self._start[0]
        steps = trainer.global_step - self._start[1]
        metrics = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("val/")}
        summary = {
            "steps": trainer.global_step,
            "steps_this_run": steps,
            "wall_seconds": round(seconds, 2),
            "steps_per_second": round(steps / seconds, 3) if seconds > 0 else None,
            "world_size": trainer.world_size,
            "precision": str(trainer.precision),
            **metrics,
        }
        self.path.write_text(json.dumps(summary, indent=2, sort_keys=True))


class StepProgressBar(RichProgressBar):
    """A rich bar titled by step, not "Epoch 0/-2": a run is one endless epoch bounded by max_steps."""

    def _get_train_description(self, current_epoch: int) -> str:
        return "train"

    def get_metrics(self, trainer: L.Trainer, pl_module: L.LightningModule) -> dict[str, Any]:
        items = super().get_metrics(trainer, pl_module)
        items.pop("v_num", None)  # the logger version number means nothing here
        return items
