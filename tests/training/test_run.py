"""End-to-end runs of ``train``: artifacts, export round trip, resume, bf16, 2-process DDP."""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import pytest
import torch
from lightning.pytorch.callbacks import Callback

from camfuse.checkpoint import load_model
from camfuse.training import CamFuseModule, train
from camfuse.training.datamodule import CamFuseDataModule


def read_csv(run: Path, version: int = 0) -> list[dict[str, str]]:
    with (run / "csv" / f"version_{version}" / "metrics.csv").open() as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, fast_cfg) -> Path:
    out = tmp_path_factory.mktemp("run")
    path = train(fast_cfg, out_dir=out, max_steps=3, progress=False, accelerator="cpu")
    assert path == out / "model.safetensors"
    return out


def test_run_writes_every_artifact(run_dir, fast_cfg):
    resolved = json.loads((run_dir / "config.json").read_text())
    assert resolved["train"]["max_steps"] == 3  # the override is part of the saved config
    assert resolved["model"] == fast_cfg.to_dict()["model"]
    for name in [
        "model.safetensors",
        "model.json",
        "checkpoints/last.ckpt",
        "previews/step_000002.png",
    ]:
        assert (run_dir / name).is_file(), name
    # the final step (3, not a multiple of 2) still gets a preview, a checkpoint and a validation
    assert (run_dir / "previews" / "step_000003.png").is_file()
    assert torch.load(run_dir / "checkpoints/last.ckpt", weights_only=False)["global_step"] == 3
    val_rows = [r for r in read_csv(run_dir) if r["val/psnr"]]
    assert [int(r["step"]) for r in val_rows] == [2, 3]
    assert all(math.isfinite(float(r["val/psnr"])) and r["val/psnr_identity"] for r in val_rows)
    train_rows = [r for r in read_csv(run_dir) if r["train/loss"]]
    assert {"train/l1", "train/temporal", "train/lr"} <= set(train_rows[0])
    summary = json.loads((run_dir / "metrics.json").read_text())
    assert summary["steps"] == 3 and summary["val/psnr"] == pytest.approx(
        float(val_rows[-1]["val/psnr"])
    )


def test_exported_model_matches_trained_module(run_dir, fast_cfg):
    model, cfg = load_model(run_dir / "model.safetensors")
    assert cfg.model == fast_cfg.model
    module = CamFuseModule.load_from_checkpoint(
        run_dir / "checkpoints/last.ckpt", map_location="cpu"
    ).eval()
    batch = CamFuseDataModule(fast_cfg).preview_batch()
    with torch.no_grad():
        expected = module(batch).frames
        got = model(
            batch["painting"],
            batch["footage"],
            role=batch["role"],
            keyframe=batch["keyframe"],
            strength=torch.ones(1),
        ).frames
    assert torch.equal(got, expected)


def test_resume_continues_the_global_step(run_dir, fast_cfg, tmp_path):
    out = tmp_path / "resumed"
    shutil.copytree(run_dir, out)
    train(fast_cfg, out_dir=out, max_steps=5, progress=False, accelerator="cpu", resume=out)
    assert torch.load(out / "checkpoints/last.ckpt", weights_only=False)["global_step"] == 5
    summary = json.loads((out / "metrics.json").read_text())
    assert (summary["steps"], summary["steps_this_run"]) == (5, 2)
    steps = [int(r["step"]) for r in read_csv(out, version=1)]
    assert min(steps) >= 3, "resumed run restarted from step 0"


def test_bf16_mixed_on_cpu_stays_finite(fast_cfg, tmp_path):
    train(
        fast_cfg,
        out_dir=tmp_path,
        max_steps=2,
        precision="bf16-mixed",
        progress=False,
        accelerator="cpu",
    )
    losses = [float(r["train/loss"]) for r in read_csv(tmp_path) if r["train/loss"]]
    summary = json.loads((tmp_path / "metrics.json").read_text())
    assert summary["precision"] == "bf16-mixed"
    assert losses and all(math.isfinite(x) for x in losses)
    assert math.isfinite(summary["val/psnr"]) and math.isfinite(summary["val/ssim"])


class SeedLog(Callback):
    """Each rank writes the sample seeds of its training batches (module level: DDP pickles it)."""

    def __init__(self, out: Path) -> None:
        self.out, self.seeds = out, []

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx):
        self.seeds += batch["seed"].tolist()

    def on_train_end(self, trainer, pl_module):
        (self.out / f"seeds_rank{trainer.global_rank}.json").write_text(json.dumps(self.seeds))


def test_ddp_two_cpu_processes_see_different_data(fast_cfg, tmp_path):
    path = train(
        fast_cfg,
        out_dir=tmp_path,
        max_steps=2,
        devices=2,
        accelerator="cpu",
        progress=False,
        callbacks=[SeedLog(tmp_path)],
    )
    assert path.is_file()
    seeds = [set(json.loads((tmp_path / f"seeds_rank{r}.json").read_text())) for r in (0, 1)]
    assert all(len(s) == 2 * fast_cfg.train.batch_size for s in seeds)
    assert not seeds[0] & seeds[1], "both ranks trained on the same samples"
    summary = json.loads((tmp_path / "metrics.json").read_text())
    assert summary["world_size"] == 2 and summary["steps"] == 2
