"""The LightningModule: CamFuse + CamFuseLoss, AdamW with linear warmup and cosine decay.

Training runs at ``strength = 1.0`` (full painterly transfer). Sampling strength in [0.5, 1] would
teach the dynamic modality weights to interpolate, but the synthetic ground truth is always the fully
painted frame: a lower strength with the same target would only teach the model to ignore the
strength input. Strength is an inference-time knob until data with partial targets exists.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import lightning as L
import torch
from einops import rearrange
from torchmetrics.functional.image import (
    structural_similarity_index_measure,
)

from ..checkpoint import load_model
from ..config import CamFuseConfig
from ..guide.track import guide_paint
from ..losses import CamFuseLoss
from ..metrics import psnr_per_frame
from ..models.camfuse import CamFuse
from ..models.interface import CamFuseOutput

MIN_LR_RATIO = 0.1  # cosine decays to 10% of the peak, not 0: late steps still move (nanoGPT)


def _clip_mean(per_frame: torch.Tensor, b: int, skip: torch.Tensor | None) -> torch.Tensor:
    """(B*T,) per-frame scores -> (B,) means over each clip's frames, leaving out frame
    ``skip[i]`` of clip i (``-1`` leaves none out)."""
    per_frame = rearrange(per_frame, "(b t) -> b t", b=b)
    if skip is None:
        return per_frame.mean(dim=1)
    t = torch.arange(per_frame.shape[1], device=per_frame.device)
    keep = t[None] != skip.to(per_frame.device)[:, None]
    kept = torch.where(keep, per_frame, torch.zeros_like(per_frame))
    return kept.sum(dim=1) / keep.sum(dim=1).clamp_min(1)


def frame_psnr(
    pred: torch.Tensor, target: torch.Tensor, skip: torch.Tensor | None = None
) -> torch.Tensor:
    """(B, T, 3, H, W) pairs in [0, 1] -> (B,) PSNR averaged over each clip's frames but
    ``skip``'s (the keyframe, which the render pastes: its PSNR is infinite)."""
    p, t = (rearrange(x, "b t c h w -> (b t) c h w") for x in (pred, target))
    return _clip_mean(psnr_per_frame(p, t), pred.shape[0], skip)


def frame_ssim(
    pred: torch.Tensor, target: torch.Tensor, skip: torch.Tensor | None = None
) -> torch.Tensor:
    """(B, T, 3, H, W) pairs in [0, 1] -> (B,) SSIM averaged over each clip's frames but ``skip``'s."""
    p, t = (rearrange(x, "b t c h w -> (b t) c h w").float() for x in (pred, target))
    # kernel 7 (as the SSIM loss) so 32-px test crops still have a valid interior
    per_frame = structural_similarity_index_measure(
        p, t, data_range=1.0, kernel_size=7, reduction="none"
    )
    return _clip_mean(per_frame, pred.shape[0], skip)


def warmup_cosine(step: int, *, warmup: int, total: int) -> float:
    """LR multiplier: linear 0 -> 1 over ``warmup`` steps, then cosine 1 -> MIN_LR_RATIO at ``total``."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, total - warmup))
    return MIN_LR_RATIO + (1 - MIN_LR_RATIO) * 0.5 * (1 + math.cos(math.pi * progress))


def initial_weights(cfg: CamFuseConfig) -> dict[str, torch.Tensor]:
    """The state ``train.init`` names ("bundled" or a model.safetensors), checked to fit
    ``cfg.model`` (fine-tuning starts from it; a resumed run's checkpoint replaces it)."""
    init = cfg.train.init
    source, source_cfg = load_model(None if init == "bundled" else init)
    mine, theirs = (dataclasses.replace(m, weights=None) for m in (cfg.model, source_cfg.model))
    if mine != theirs:
        diff = [
            f.name
            for f in dataclasses.fields(mine)
            if getattr(mine, f.name) != getattr(theirs, f.name)
        ]
        raise ValueError(f"train.init {init}: its model config differs in {', '.join(diff)}")
    return source.state_dict()


class CamFuseModule(L.LightningModule):
    """Wraps :class:`CamFuse` for Lightning; ``self.model`` is what gets exported."""

    def __init__(
        self,
        cfg: CamFuseConfig | dict[str, Any],
        init_state: dict[str, torch.Tensor] | None = None,
    ) -> None:
        """``init_state``: :func:`initial_weights` already loaded by the caller (else loaded here
        when ``train.init`` is set)."""
        super().__init__()
        cfg = cfg if isinstance(cfg, CamFuseConfig) else CamFuseConfig.from_dict(cfg)
        self.save_hyperparameters({"cfg": cfg.to_dict()})  # so a .ckpt alone rebuilds the module
        self.cfg = cfg
        self.model = CamFuse(cfg.model)
        if init_state is None and cfg.train.init is not None:
            init_state = initial_weights(cfg)
        if init_state is not None:
            self.model.load_state_dict(init_state)
        self.loss = CamFuseLoss(cfg.loss)
        # baselines on the fixed split, measured once: does the model beat the footage as output
        # ("identity") and its own guide painted with no network ("guide", as --network off)?
        self.baselines: dict[str, float] | None = None
        # name -> (sum of clip PSNRs, of SSIMs, clip count) on this rank
        self._baseline_sums: dict[str, torch.Tensor] = {}

    def forward(self, batch: dict[str, Any]) -> CamFuseOutput:
        b = batch["footage"].shape[0]
        strength = torch.ones(b, device=batch["footage"].device)  # see the module docstring
        return self.model(
            batch["painting"],
            batch["footage"],
            role=batch["role"],
            strength=strength,
            keyframe=batch["keyframe"],
            guide=batch.get("guide"),
        )

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> torch.Tensor:
        total, terms = self.loss(self(batch), batch)
        b = batch["footage"].shape[0]
        self.log("train/loss", total, prog_bar=True, batch_size=b)
        self.log_dict({f"train/{k}": v for k, v in terms.items()}, batch_size=b)
        self.log("train/lr", self.optimizers().param_groups[0]["lr"], batch_size=b)
        return total

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> None:
        pred = self(batch).frames.float().clamp(0, 1)
        target, b = batch["target"], batch["footage"].shape[0]
        # the keyframe role's painted frame is pasted (pred == target there): scored on the rest
        skip = torch.where(batch["role"] == 0, batch["keyframe"], -1)
        psnr = frame_psnr(pred, target, skip).mean()
        self.log("val/psnr", psnr, batch_size=b, sync_dist=True, prog_bar=True)
        self.log("val/ssim", frame_ssim(pred, target, skip).mean(), batch_size=b, sync_dist=True)
        if self.baselines is None:
            outputs = {"identity": batch["footage"]}
            if batch.get("guide") is not None:
                outputs["guide"] = guide_paint(batch["guide"])
            for name, out in outputs.items():
                sums = [frame_psnr(out, target, skip).sum(), frame_ssim(out, target, skip).sum()]
                self._baseline_sums[name] = self._baseline_sums.get(
                    name, torch.zeros(3)
                ) + torch.tensor([*map(float, sums), float(b)])

    def on_validation_epoch_end(self) -> None:
        if self.baselines is None and self._baseline_sums:
            self.baselines = {}
            for name, sums in sorted(self._baseline_sums.items()):  # same order on every rank
                # sum over ranks first: each rank saw only its shard of the fixed split
                total = self.trainer.strategy.reduce(sums.to(self.device), reduce_op="sum")
                psnr, ssim = (float(x) for x in total[:2] / total[2])
                self.baselines |= {f"val/psnr_{name}": psnr, f"val/ssim_{name}": ssim}
        if self.baselines is not None:
            self.log_dict(self.baselines, sync_dist=True)  # same on all ranks
        # a logged "step" is used as the x-axis value: val rows then carry the global step they
        # measured (Lightning's default is the number of batches stepped before it, one less)
        self.log("step", float(self.global_step), sync_dist=True)

    def configure_optimizers(self) -> dict[str, Any]:
        t = self.cfg.train
        # weight decay on matrices and kernels only, not on 1-d norm scales and biases (nanoGPT)
        decay = [p for p in self.model.parameters() if p.requires_grad and p.ndim >= 2]
        no_decay = [p for p in self.model.parameters() if p.requires_grad and p.ndim < 2]
        optimizer = torch.optim.AdamW(
            [
                {"params": decay, "weight_decay": t.weight_decay},
                {"params": no_decay, "weight_decay": 0.0},
            ],
            lr=t.lr,
            betas=(0.9, 0.99),  # shorter 2nd-moment memory than 0.999: runs are short, lr high
        )
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: warmup_cosine(step, warmup=t.warmup_steps, total=t.max_steps)
        )
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}
