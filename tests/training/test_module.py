"""Pieces of the training package, without a Trainer."""

from __future__ import annotations

import pytest
import torch
from lightning.pytorch.strategies import DDPStrategy

from camfuse.checkpoint import load_model
from camfuse.config import load_config
from camfuse.data.datasets import train_seed, validation_seeds
from camfuse.training import CamFuseModule, train
from camfuse.training.callbacks import preview_sheet
from camfuse.training.datamodule import CamFuseDataModule
from camfuse.training.module import MIN_LR_RATIO, frame_psnr, warmup_cosine
from camfuse.training.run import _strategy


def test_warmup_then_cosine():
    lr = [warmup_cosine(s, warmup=10, total=100) for s in range(101)]
    assert lr[0] == pytest.approx(0.1) and lr[9] == pytest.approx(1.0)
    assert all(
        a >= b for a, b in zip(lr[10:], lr[11:], strict=False)
    )  # monotone decay after warmup
    assert lr[100] == pytest.approx(MIN_LR_RATIO)


def test_preview_sheet_rows_and_columns():
    s, t = 32, 3
    frames = torch.rand(t, 3, s, s)
    sheet = preview_sheet(torch.zeros(3, s, s), frames, frames, torch.ones(t, 3, s, s))
    scale = sheet.shape[0] // (4 * s)
    assert sheet.shape == (4 * s * scale, t * s * scale, 3) and sheet.dtype.name == "uint8"
    assert (sheet[: s * scale, : s * scale] == 0).all()  # painting (zeros) top-left
    assert (sheet[3 * s * scale :] == 255).all()  # truth (ones) on the last row


def test_frame_psnr_is_per_clip_and_orders_errors():
    x = torch.rand(2, 3, 3, 32, 32)
    assert frame_psnr(x, (x + 0.1).clamp(0, 1)).shape == (2,)
    assert frame_psnr(x, x * 0 + 0.5).lt(frame_psnr(x, (x + 0.01).clamp(0, 1))).all()


def test_frame_psnr_leaves_out_the_pasted_keyframe():
    x = torch.rand(2, 3, 3, 32, 32)
    y = (x + 0.1).clamp(0, 1)
    y[0, 1] = x[0, 1]  # clip 0's keyframe 1 pasted: its own PSNR is the 100-dB cap
    assert frame_psnr(x, y)[0] > frame_psnr(x[:, [0, 2]], y[:, [0, 2]])[0] + 20  # inflated
    skipped = frame_psnr(x, y, torch.tensor([1, -1]))
    assert skipped.isfinite().all()
    # clip 0 is scored on frames 0 and 2 only, clip 1 on all three
    assert torch.allclose(skipped[0], frame_psnr(x[:, [0, 2]], y[:, [0, 2]])[0])
    assert torch.allclose(skipped[1], frame_psnr(x, y)[1])


def test_validation_is_the_fixed_split_and_resume_skips_used_samples(fast_cfg):
    data = CamFuseDataModule(fast_cfg)
    assert data.val_set.seeds == validation_seeds(fast_cfg.data.seed, fast_cfg.data.val_samples)

    class FakeTrainer:
        global_step, world_size = 5, 2

    data.trainer = FakeTrainer()
    stream = data.train_dataloader().dataset.seeds()
    first = next(stream)  # rank 0 of 2 after 5 steps of batch 2: 20 samples were used
    assert first == train_seed(fast_cfg.data.seed, 5 * fast_cfg.train.batch_size * 2)


def test_multi_process_cpu_spawns_with_gloo():
    assert _strategy("cpu", devices=1, num_nodes=1) == "auto"
    s = _strategy("cpu", devices=2, num_nodes=1)
    assert isinstance(s, DDPStrategy)
    assert (s._start_method, s._process_group_backend) == ("spawn", "gloo")
    # across nodes, processes are started outside this one: Lightning's default launcher joins them
    assert _strategy("cpu", devices=2, num_nodes=2)._start_method == "popen"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"precision": "16-mixed", "accelerator": "cpu"}, "needs CUDA"),
        ({"precision": "fp8"}, "unknown precision"),
        ({"devices": 0}, "at least 1"),
        ({"resume": "/nonexistent/last.ckpt"}, "checkpoint not found"),
        ({"accelerator": "tpu"}, "unknown accelerator"),
        ({"init": "/nonexistent/model.safetensors"}, "model file not found"),
        ({"init": "bundled"}, "its model config differs in"),
    ],
)
def test_bad_arguments_fail_before_training(fast_cfg, tmp_path, kwargs, message):
    init = kwargs.pop("init", None)
    cfg = fast_cfg.with_overrides([f"train.init={init}"]) if init else fast_cfg
    with pytest.raises(ValueError, match=message):
        train(cfg, out_dir=tmp_path, progress=False, **kwargs)
    assert not (tmp_path / "config.json").exists()


def test_a_few_steps_on_one_batch_reduce_the_loss(fast_cfg):
    torch.manual_seed(0)
    module = CamFuseModule(fast_cfg)
    batch = CamFuseDataModule(fast_cfg).preview_batch()
    opt = torch.optim.AdamW(module.parameters(), lr=1e-3)
    losses = []
    for _ in range(8):
        total, _ = module.loss(module(batch), batch)
        opt.zero_grad()
        total.backward()
        opt.step()
        losses.append(total.item())
    assert losses[-1] < losses[0]


def test_training_from_a_split_on_disk_is_seeded_and_resumes_in_order(fast_cfg, tmp_path):
    from itertools import islice

    from camfuse.data.datasets import SplitStream
    from camfuse.data.splits import write_split

    split = write_split(tmp_path / "pool", samples=4, frames=2, size=32, seed=3)
    cfg = fast_cfg.with_overrides([f"data.train_split={split}"])
    seeds = lambda c: next(iter(CamFuseDataModule(c).train_dataloader()))["seed"].tolist()  # noqa: E731
    assert seeds(cfg) == seeds(cfg)  # the same train.seed gives the same order
    orders = {tuple(seeds(cfg.with_overrides([f"train.seed={s}"]))) for s in range(4)}
    assert len(orders) > 2  # different seeds shuffle differently
    # passes cover every clip once each; a resumed stream continues the order instead of replaying
    full = list(islice(SplitStream(split, seed=0).order(), 12))
    assert sorted(full[:4]) == sorted(full[4:8]) == sorted(full[8:]) == [0, 1, 2, 3]
    assert list(islice(SplitStream(split, seed=0, skip=6).order(), 6)) == full[6:12]

    class FakeTrainer:
        global_step, world_size = 3, 1

    data = CamFuseDataModule(cfg)
    data.trainer = FakeTrainer()
    assert data.train_dataloader().dataset.skip == 3 * cfg.train.batch_size
    bad = fast_cfg.with_overrides([f"data.train_split={split}", "data.frames=3"])
    with pytest.raises(ValueError, match="2 frames at 32 px"):
        CamFuseDataModule(bad).train_dataloader()


def test_fine_tuning_starts_from_the_named_weights():
    bundled, cfg = load_model()
    tuned = CamFuseModule(cfg.with_overrides(["train.init=bundled"]))
    for k, v in bundled.state_dict().items():
        assert torch.equal(tuned.model.state_dict()[k], v), k
    fresh = CamFuseModule(cfg)
    assert not all(
        torch.equal(fresh.model.state_dict()[k], v) for k, v in bundled.state_dict().items()
    )
    other = load_config("tiny", ["model.sampling=true"]).with_overrides(["train.init=bundled"])
    with pytest.raises(ValueError, match="train.init bundled: its model config differs in"):
        CamFuseModule(other)


def test_validation_measures_the_guide_alone_beside_the_network(fast_cfg):
    """A painting-sampling model is scored beside its own guide painted with no network (what
    ``--network off`` renders) and beside the footage, each once, leaving out the keyframe.
    (Keyframe clips: in the style role the training guide is the footage itself.)"""
    cfg = fast_cfg.with_overrides(["model.sampling=true", "data.keyframe_prob=1.0"])
    module = CamFuseModule(cfg).eval()
    batch = next(iter(CamFuseDataModule(cfg).val_dataloader()))
    with torch.no_grad():
        module.validation_step(batch, 0)
    sums = module._baseline_sums
    assert set(sums) == {"identity", "guide"}
    assert (batch["role"] == 0).all()
    assert all(int(s[2]) == len(batch["seed"]) for s in sums.values())
    assert sums["guide"][0] != sums["identity"][0] and sums["guide"][0].isfinite()
