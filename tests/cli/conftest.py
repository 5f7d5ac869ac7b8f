"""Inputs the CLI tests share (never written by them)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from camfuse.media import write_image
from tests.footage import make_clip


@pytest.fixture(scope="package")
def media(tmp_path_factory) -> Path:
    """Inputs shared by the tests (never written by them): clips, a frame folder, a painting, a model."""
    from camfuse.checkpoint import save_checkpoint
    from camfuse.config import load_config
    from camfuse.models import CamFuse

    d = tmp_path_factory.mktemp("media")
    rng = np.random.default_rng(0)
    make_clip(d / "clip.mp4", audio="aac")
    make_clip(d / "clip.gif", n=5)
    cut = make_clip(d / "full.mp4", n=30, faststart=True).read_bytes()
    (d / "cut.mp4").write_bytes(cut[: len(cut) * 6 // 10])
    (d / "text.mp4").write_text("not a video")
    (d / "clip.avi").write_bytes(b"RIFF0000AVI ")
    (d / "empty").mkdir()
    (d / "frames").mkdir()
    for i in range(5):
        write_image(d / "frames" / f"img{i}.png", (rng.random((36, 44, 3)) * 255).astype(np.uint8))
    write_image(d / "paint.png", (rng.random((48, 64, 3)) * 255).astype(np.uint8))
    (d / "paint.bmp").write_bytes((d / "paint.png").read_bytes())
    (d / "broken.png").write_bytes((d / "paint.png").read_bytes()[:200])
    write_image(d / "wide.png", (rng.random((30, 100, 3)) * 255).astype(np.uint8))
    for name, files in {
        "keys_range": ["00099.png"],
        "keys_dup": ["00003.png", "3.jpg"],
        "keys_name": ["key.png"],
    }.items():
        (d / name).mkdir()
        for f in files:
            write_image(d / name / f, (rng.random((48, 64, 3)) * 255).astype(np.uint8))
    (d / "mask_small").mkdir()
    for i in range(12):
        write_image(d / "mask_small" / f"{i:03d}.png", np.full((24, 32, 3), 255, np.uint8))
    torch.manual_seed(0)
    cfg = load_config("tiny")
    save_checkpoint(d / "tiny", CamFuse(cfg.model), cfg, note="random init, for tests")
    return d
