import dataclasses
import json

import pytest
import torch
from torch.utils.data import DataLoader

from camfuse.data import datasets as D
from camfuse.data import splits
from camfuse.data.datasets import (
    DiskDataset,
    FixedSynthDataset,
    SynthDataset,
    collate,
    validation_seeds,
)
from camfuse.data.splits import write_split
from camfuse.data.synth import generate_sample


def test_write_split_round_trip(tmp_path):
    out = write_split(
        tmp_path / "val", samples=4, frames=3, size=32, seed=7, painters=["cel", "oil"]
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["role"] for s in manifest["samples"]] == ["keyframe", "style"] * 2
    assert [s["painter"] for s in manifest["samples"]] == ["cel", "cel", "oil", "oil"]
    ds = DiskDataset(out)
    assert len(ds) == 4
    for i, entry in enumerate(manifest["samples"]):
        disk = ds[i]
        ref = generate_sample(
            entry["seed"], size=32, frames=3, role=entry["role"], painters=[entry["painter"]]
        )
        for k in ("painting", "footage", "target", "valid"):
            assert disk[k].shape == ref[k].shape and disk[k].dtype == torch.float32
            assert (disk[k] - ref[k]).abs().max() <= 0.5 / 255 + 1e-6, k
        assert torch.allclose(disk["flow"], ref["flow"], atol=0.02, rtol=1e-3)
        for k in ("role", "keyframe", "seed"):
            assert torch.equal(disk[k], ref[k])
        assert disk["painter"] == ref["painter"] and disk["params"] == ref["params"]
        assert disk["seen"].dtype == torch.bool and torch.equal(disk["seen"], ref["seen"])


def test_write_split_is_atomic(tmp_path, monkeypatch):
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return generate_sample(*args, **kwargs)

    monkeypatch.setattr(splits, "generate_sample", failing)
    with pytest.raises(RuntimeError):
        write_split(tmp_path / "val", samples=3, frames=2, size=32, seed=0)
    assert list(tmp_path.iterdir()) == []  # neither the split nor its partial folder
    monkeypatch.undo()
    (tmp_path / "val").mkdir()  # an empty folder is fine (the CLI may create it)
    write_split(tmp_path / "val", samples=1, frames=1, size=32, seed=0)
    single = DiskDataset(tmp_path / "val")[0]
    assert single["target"].shape == (1, 3, 32, 32) and single["valid"].shape == (0, 1, 32, 32)
    with pytest.raises(ValueError, match="exists"):
        write_split(tmp_path / "val", samples=1, frames=2, size=32, seed=0)


def test_dataloader_workers_never_repeat_seeds(data_cfg):
    ds = SynthDataset(dataclasses.replace(data_cfg, seed=3))
    loader = DataLoader(ds, batch_size=2, num_workers=2, collate_fn=collate)
    seeds = []
    for i, batch in enumerate(loader):
        assert batch["target"].shape == (2, 2, 3, 32, 32) and len(batch["painter"]) == 2
        seeds += batch["seed"].tolist()
        if i == 3:
            break
    assert len(set(seeds)) == len(seeds) == 8
    assert set(seeds) == {3 * 10**9 + n for n in range(8)}


def test_ranks_interleave_and_offset_skips(monkeypatch, data_cfg):
    monkeypatch.setattr(D, "_rank", lambda: (1, 2))
    it = SynthDataset(data_cfg, seed_offset=100).seeds()
    assert [next(it) for _ in range(3)] == [101, 103, 105]


def test_validation_seeds_are_disjoint_from_training(data_cfg):
    val = validation_seeds(data_cfg.seed, 16)
    assert len(set(val)) == 16
    assert min(val) > D.train_seed(D.MAX_BASE_SEED - 1, 10**9 - 1)
    with pytest.raises(ValueError, match="seed"):
        SynthDataset(dataclasses.replace(data_cfg, seed=-1))


@pytest.mark.parametrize("prob,role", [(1.0, 0), (0.0, 1)])
def test_fixed_dataset_follows_keyframe_prob(data_cfg, prob, role):
    cfg = dataclasses.replace(data_cfg, keyframe_prob=prob, painters=["cel"])
    ds = FixedSynthDataset(cfg, validation_seeds(0, 3))
    assert len(ds) == 3
    batch = collate([ds[i] for i in range(3)])
    assert batch["role"].tolist() == [role] * 3 and batch["painter"] == ["cel"] * 3
    assert batch["seed"].tolist() == validation_seeds(0, 3)
