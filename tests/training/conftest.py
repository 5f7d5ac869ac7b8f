from __future__ import annotations

import pytest

from camfuse.config import CamFuseConfig, load_config

# 32 px, 2 frames, 2 clips per batch: a training step takes a fraction of a second on CPU
FAST = [
    "data.size=32",
    "data.frames=2",
    "data.val_samples=2",
    "data.workers=0",
    "train.batch_size=2",
    "train.warmup_steps=2",
    "train.val_every=2",
    "train.preview_every=2",
    "train.checkpoint_every=2",
    "train.log_every=1",
]


@pytest.fixture(scope="session")
def fast_cfg() -> CamFuseConfig:
    return load_config("tiny", FAST)
