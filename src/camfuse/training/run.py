"""``train(cfg, out_dir=...)``: one Lightning run, from a resolved config to an exported model file.

A run directory holds::

    config.json                 resolved config, written before the first step
    model.safetensors/.json     exported weights + config (every checkpoint and at the end)
    checkpoints/last.ckpt       full training state for ``resume=``
    previews/step_XXXXXX.png    painting | footage | prediction | truth on a fixed validation clip
    csv/version_N/metrics.csv   every logged scalar (one version per launch; TensorBoard in tensorboard/)
    metrics.json                final val/psnr, val/ssim, the baselines' (val/psnr_identity,
                                val/psnr_guide), steps, wall time

Multi-process launching: on one node, processes are started with ``spawn`` (``ddp_spawn``), which
works the same from the CLI, from a Python script, and from pytest. Lightning's default launcher
re-executes ``sys.argv``, which under pytest would re-run the test session in every child. Across
nodes (or under torchrun) processes come from outside, and Lightning's default ``ddp`` launcher is
the one that knows how to join them. CPU processes talk over gloo, CUDA ones over NCCL.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from lightning.pytorch.plugins.environments import TorchElasticEnvironment
from lightning.pytorch.strategies import DDPStrategy, Strategy

from ..config import CamFuseConfig
from .callbacks import (
    FinalValidation,
    PeriodicCheckpoint,
    PreviewSheet,
    RunSummary,
    StepProgressBar,
    ThreadLimit,
)
from .datamodule import CamFuseDataModule
from .module import CamFuseModule, initial_weights

PRECISIONS = {"32-true", "bf16-mixed", "16-mixed"}


class _NoAdverts(logging.Filter):
    """Drops Lightning's "Tip: try installing ..." advert from every run's output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Tip:" not in record.getMessage()


logging.getLogger("lightning.pytorch.utilities.rank_zero").addFilter(_NoAdverts())
# Lightning 2.6 calls a torch pytree API that torch 2.14 deprecates: nothing a user can act on
warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)")


def train(
    cfg: CamFuseConfig,
    *,
    out_dir: str | Path,
    devices: int = 1,
    num_nodes: int = 1,
    accelerator: str = "auto",
    resume: str | Path | None = None,
    max_steps: int | None = None,
    precision: str | None = None,
    progress: bool = True,
    callbacks: Sequence[Callback] = (),
) -> Path:
    """Train ``cfg`` into ``out_dir`` and return the exported ``model.safetensors``.

    ``max_steps``/``precision`` override ``cfg.train`` (and are saved in the resolved config).
    ``resume`` is a ``.ckpt`` file or a run directory (its ``checkpoints/last.ckpt``); the global
    step, optimizer, schedule and data stream continue from there. ``callbacks`` are extra
    Lightning callbacks; with ``devices > 1`` on one node they must be picklable.
    """
    overrides = {
        k: v for k, v in (("max_steps", max_steps), ("precision", precision)) if v is not None
    }
    cfg = cfg.with_overrides({"train": overrides}) if overrides else cfg
    accelerator = _resolve_accelerator(accelerator)
    _check_args(cfg, devices=devices, num_nodes=num_nodes, accelerator=accelerator)
    ckpt_path = _resume_path(resume)
    # a missing or unfitting train.init fails before anything is written; loaded once, used below
    init_state = initial_weights(cfg) if cfg.train.init is not None else None

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(cfg.to_json())
    L.seed_everything(cfg.train.seed, workers=True, verbose=False)
    if accelerator == "cuda":
        torch.set_float32_matmul_precision("high")  # TF32 matmuls: ~free speed on Ampere and later

    data = CamFuseDataModule(cfg)
    extra = [*callbacks, StepProgressBar()] if progress else list(callbacks)
    if devices > 1:
        extra.append(ThreadLimit(max(1, torch.get_num_threads() // devices)))
    trainer = L.Trainer(
        accelerator=accelerator,
        devices=devices,
        num_nodes=num_nodes,
        strategy=_strategy(accelerator, devices=devices, num_nodes=num_nodes),
        callbacks=_run_callbacks(cfg, out_dir, data) + extra,
        enable_progress_bar=progress,
        enable_model_summary=progress,
        **_schedule(cfg, out_dir),
    )
    trainer.fit(CamFuseModule(cfg, init_state), datamodule=data, ckpt_path=ckpt_path)
    return out_dir / "model.safetensors"


def _run_callbacks(cfg: CamFuseConfig, out_dir: Path, data: CamFuseDataModule) -> list[Callback]:
    t = cfg.train
    return [
        FinalValidation(),
        PeriodicCheckpoint(out_dir=out_dir, cfg=cfg, every=t.checkpoint_every),
        PreviewSheet(out_dir=out_dir, batch=data.preview_batch(), every=t.preview_every),
        RunSummary(out_dir=out_dir),
    ]


def _schedule(cfg: CamFuseConfig, out_dir: Path) -> dict[str, Any]:
    """Trainer arguments for one endless epoch over the infinite stream, bounded by max_steps."""
    t = cfg.train
    return {
        "precision": t.precision,
        "max_steps": t.max_steps,
        "max_epochs": -1,
        "val_check_interval": t.val_every if t.val_every > 0 else t.max_steps,
        "check_val_every_n_epoch": None,  # count val_every in steps across epochs
        "num_sanity_val_steps": 0,
        "log_every_n_steps": t.log_every,
        "gradient_clip_val": t.grad_clip or None,
        "logger": [
            CSVLogger(out_dir, name="csv"),
            TensorBoardLogger(out_dir, name="tensorboard", default_hp_metric=False),
        ],
        "enable_checkpointing": False,  # PeriodicCheckpoint saves last.ckpt
        "default_root_dir": out_dir,
    }


def _resolve_accelerator(accelerator: str) -> str:
    if accelerator == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if accelerator in {"gpu", "cuda"}:
        if not torch.cuda.is_available():
            raise ValueError("accelerator 'cuda' requested but no CUDA device is available")
        return "cuda"
    if accelerator != "cpu":
        raise ValueError(f"unknown accelerator {accelerator!r}; choose auto, cpu or cuda")
    return "cpu"


def _check_args(cfg: CamFuseConfig, *, devices: int, num_nodes: int, accelerator: str) -> None:
    t = cfg.train
    if devices < 1 or num_nodes < 1:
        raise ValueError(f"devices ({devices}) and num_nodes ({num_nodes}) must be at least 1")
    if t.max_steps < 1:
        raise ValueError(f"train.max_steps must be at least 1, got {t.max_steps}")
    if t.precision not in PRECISIONS:
        raise ValueError(
            f"unknown precision {t.precision!r}; choose one of {', '.join(sorted(PRECISIONS))}"
        )
    if t.precision == "16-mixed" and accelerator == "cpu":
        raise ValueError("precision 16-mixed needs CUDA; use bf16-mixed on CPU")
    if accelerator == "cuda" and devices > torch.cuda.device_count():
        raise ValueError(
            f"devices={devices} but only {torch.cuda.device_count()} CUDA device(s) visible"
        )


def _resume_path(resume: str | Path | None) -> str | None:
    if resume is None:
        return None
    path = Path(resume)
    if path.is_dir():
        path = path / "checkpoints" / "last.ckpt"
    if not path.is_file():
        raise ValueError(f"cannot resume: checkpoint not found: {path}")
    return str(path)


def _strategy(accelerator: str, *, devices: int, num_nodes: int) -> Strategy | str:
    if devices * num_nodes == 1:
        return "auto"
    local_launch = num_nodes == 1 and not TorchElasticEnvironment.detect()
    return DDPStrategy(
        start_method="spawn" if local_launch else "popen",
        process_group_backend="gloo" if accelerator == "cpu" else "nccl",
    )
