"""camfuse.ui.session: what the web page does, without a browser (the CLI's API underneath)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from camfuse.media import MediaError, iter_frames, probe_footage, write_image
from camfuse.ui.session import Cancelled, Session
from tests.footage import make_clip


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    from camfuse.checkpoint import save_checkpoint
    from camfuse.config import load_config
    from camfuse.models import CamFuse

    d = tmp_path_factory.mktemp("ui")
    cfg = load_config("tiny").with_overrides(["model.sampling=true"])
    torch.manual_seed(0)
    ckpt = save_checkpoint(d / "tiny", CamFuse(cfg.model), cfg, note="fresh")
    clip = make_clip(d / "clip.mp4", n=6, w=64, h=48)
    return d, ckpt, clip


def _upload(tmp_path, name, image):
    path = tmp_path / "uploads" / name
    path.parent.mkdir(exist_ok=True)
    write_image(path, image)
    return path


def test_the_path_of_the_page(inputs, tmp_path):
    _, ckpt, clip = inputs
    s = Session()
    try:
        info = s.load_footage(clip, upload=False)
        assert info.frames == 6
        exported = s.export_frame(2)
        assert exported.name == "00002.png"
        assert (np.asarray(list(iter_frames(clip, 3))[2]) == s.frame(2)).all()
        paint = s.frame(0).copy()
        paint[..., 2] = 255
        upload = _upload(tmp_path, "paint.png", paint)
        keys = s.add_key(0, upload)
        assert list(keys) == [0] and not upload.exists()  # moved into the session's folder
        assert s.root in keys[0].parents
        s.add_key(5, _upload(tmp_path, "late.png", paint))
        assert list(s.remove_key(5)) == [0]
        opts = {"checkpoint": ckpt, "device": "cpu", "adapt": "off"}
        preview = s.preview(3, **opts)
        assert preview.shape == (48, 64, 3) and preview[..., 2].mean() > s.frame(3)[..., 2].mean()
        steps = []
        files = s.render_all(start=1, end=5, on_progress=lambda i, n: steps.append((i, n)), **opts)
        assert steps[-1] == (4, 4)
        assert probe_footage(files.video).frames == 4
        side = probe_footage(files.side_by_side)
        assert (side.frames, side.size) == (4, "128x48")
        assert files.frames_zip.stat().st_size > 0
    finally:
        s.close()
    assert not s.root.exists()  # uploads, exports and renders gone with the tab


def test_bad_inputs_are_the_clis_errors(inputs, tmp_path):
    _, _, clip = inputs
    s = Session()
    try:
        with pytest.raises(ValueError, match="load footage first"):
            s.export_frame(0)
        bad = tmp_path / "bad.mp4"
        bad.write_text("not a video")
        with pytest.raises(MediaError, match="unreadable"):
            s.load_footage(bad, upload=True)
        s.load_footage(clip, upload=False)
        wide = _upload(tmp_path, "wide.png", np.zeros((20, 80, 3), np.uint8))
        with pytest.raises(MediaError, match="aspect ratio"):
            s.add_key(0, wide)
        paint = _upload(tmp_path, "p.png", np.zeros((48, 64, 3), np.uint8))
        with pytest.raises(ValueError, match="out of range"):
            s.add_key(6, paint)
        with pytest.raises(ValueError, match="keyframe .* or a style reference"):
            s.preview(0, device="cpu")
        with pytest.raises(ValueError, match="out of range"):
            s.export_frame(9)
    finally:
        s.close()


def test_cancel_stops_the_render_and_leaves_nothing(inputs, tmp_path):
    _, ckpt, clip = inputs
    s = Session()
    try:
        s.load_footage(clip, upload=False)
        s.add_key(0, _upload(tmp_path, "p.png", np.full((48, 64, 3), 200, np.uint8)))

        def press_cancel(i, n):
            if i == 2:
                s.cancel.set()

        before = set(s.root.rglob("*"))
        with pytest.raises(Cancelled):
            s.render_all(on_progress=press_cancel, checkpoint=ckpt, device="cpu", adapt="off")
        assert not any("render" in p.name for p in set(s.root.rglob("*")) - before)
    finally:
        shutil.rmtree(s.root, ignore_errors=True)


def test_renders_from_all_tabs_share_one_queue_slot():
    """Two tabs' renders (and previews) wait for each other instead of interleaving; scrubbing
    and the other quick actions never wait behind a render."""
    from camfuse.ui import build_app

    fns = {fn.name: fn for fn in build_app().fns.values()}
    for name in ("render", "preview"):
        assert (fns[name].concurrency_id, fns[name].concurrency_limit) == ("render", 1)
    for name in ("load", "scrub", "add_key", "cancel"):
        assert fns[name].concurrency_limit is None and fns[name].concurrency_id != "render"
