"""render + windows: schedule and crossfade weights, lazy streaming, per-window conditioning,
output staging, and one real render with a tiny random model."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from camfuse.media import output_kind, staged_output
from camfuse.models.inputs import model_size
from camfuse.render import render, stylise, window_conditioning
from camfuse.render.windows import Window, blend_windows, plan_windows

COMBOS = [
    (1, 4, 1),
    (3, 4, 1),
    (4, 4, 1),
    (5, 4, 1),
    (10, 4, 1),
    (9, 4, 1),
    (20, 8, 2),
    (8, 4, 3),
    (7, 3, 0),
    (5, 1, 0),
    (100, 6, 2),
    (13, 5, 4),
]


@pytest.mark.parametrize("n, window, overlap", COMBOS)
def test_windows_cover_every_frame_with_weights_summing_to_one(n, window, overlap):
    plan = plan_windows(n, window, overlap)
    total = np.zeros(n)
    for win in plan:
        assert len(win.weights) == len(win) == min(n, window)  # full windows unless n < T
        assert all(w > 0 for w in win.weights)
        total[win.start : win.stop] += win.weights
    np.testing.assert_allclose(total, 1.0, atol=1e-9)
    assert plan[0].start == 0 and plan[-1].stop == n
    assert [w.start for w in plan] == sorted({w.start for w in plan})


def test_regular_overlap_is_a_linear_crossfade():
    a, b = plan_windows(11, 5, 2)[:2]
    assert (a.start, a.stop, b.start) == (0, 5, 3)
    np.testing.assert_allclose(a.weights[3:], [2 / 3, 1 / 3])
    np.testing.assert_allclose(b.weights[:2], [1 / 3, 2 / 3])


@pytest.mark.parametrize("n, window, overlap", [(0, 4, 1), (5, 0, 0), (5, 4, 4), (5, 4, -1)])
def test_bad_schedules_raise(n, window, overlap):
    with pytest.raises(ValueError):
        plan_windows(n, window, overlap)


@pytest.mark.parametrize("n, window, overlap", COMBOS)
def test_blend_of_identity_is_identity_and_yields_each_frame_once(n, window, overlap):
    frames = [np.full(2, float(i)) for i in range(n)]
    out = list(blend_windows(frames, plan_windows(n, window, overlap), lambda win, clip: clip))
    assert len(out) == n
    np.testing.assert_allclose(np.stack(out)[:, 0], np.arange(n))


def test_blend_consumes_frames_lazily():
    pulled = []

    def source():
        for i in range(1000):
            pulled.append(i)
            yield np.array([float(i)])

    out = blend_windows(source(), plan_windows(1000, 8, 2), lambda win, clip: clip)
    first = next(out)
    assert first[0] == 0 and len(pulled) <= 8  # one window read, not the footage
    for _ in range(100):
        next(out)
    assert len(pulled) <= 100 + 8 + 2


def test_blend_reports_a_short_source():
    with pytest.raises(ValueError, match="ended after 3"):
        list(blend_windows(iter([np.zeros(1)] * 3), plan_windows(5, 2, 0), lambda w, c: c))


def test_window_conditioning():
    win = Window(4, 8, (1.0,) * 4)
    assert window_conditioning(None, win) == (1, -1, 0)  # style
    assert window_conditioning(5, win) == (0, 1, 0)  # keyframe inside: index within the window
    assert window_conditioning(8, win) == (0, -1, 0)  # outside: role kept, no frame marked
    assert window_conditioning(3, win) == (0, -1, 0)
    # several keyframes: the one nearest the window's middle (5.5), its index among them
    assert window_conditioning([0, 5, 20], win) == (0, 1, 1)
    assert window_conditioning([0, 9, 20], win) == (0, -1, 1)
    assert window_conditioning([0, 9], win, offset=2) == (0, 3, 1)  # emitted frame 0 = stream 2


@pytest.mark.parametrize(
    "w, h, size, expected",
    [
        (64, 48, 64, (64, 48)),
        (176, 144, 128, (128, 112)),
        (48, 64, 256, (192, 256)),
        (1920, 200, 64, (64, 32)),
    ],
)
def test_model_size_rounds_to_16(w, h, size, expected):
    assert model_size(w, h, size) == expected


def test_output_kind(tmp_path):
    assert output_kind(tmp_path / "x.mp4") == "video"
    assert output_kind(str(tmp_path / "frames") + "/") == "frames"
    assert output_kind(tmp_path / "frames") == "frames"
    (tmp_path / "dir.mp4").mkdir()
    assert output_kind(tmp_path / "dir.mp4") == "frames"  # an existing folder wins over the suffix
    with pytest.raises(ValueError, match="unsupported output"):
        output_kind(tmp_path / "x.gif")


@dataclass
class _Out:
    frames: torch.Tensor


class StubModel(nn.Module):
    """CamFuse's calling convention; output = (1 - strength) * footage + strength * painting."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(()))
        self.calls, self.encodes = [], 0

    def encode_painting(self, painting):
        self.encodes += 1
        return painting

    def forward(self, painting, footage, *, role, strength, keyframe, painting_features):
        self.calls.append((footage.shape[1], int(role), int(keyframe)))
        s = strength[:, None, None, None, None]
        return _Out((1 - s) * footage + s * painting_features[:, None] * self.scale)


def test_stylise_streams_and_restores_source_size():
    model, pulled = StubModel(), []
    painting = np.full((30, 40, 3), 200, np.uint8)

    def frames():
        for i in range(50):
            pulled.append(i)
            yield np.full((45, 61, 3), i, np.uint8)

    out = stylise(
        model,
        painting,
        frames(),
        total=50,
        out_size=(61, 45),
        size=(64, 48),
        keyframe=20,
        strength=0.0,
        window=6,
        overlap=2,
    )
    first = next(out)
    assert first.shape == (45, 61, 3) and first.dtype == np.uint8 and len(pulled) <= 6
    rest = list(out)
    assert len(rest) == 49 and model.encodes == 1
    # strength 0 gives the footage back, at its own size
    assert [int(f[20, 30, 0]) for f in [first, *rest]] == list(range(50))
    # keyframe 20 is marked in the windows starting at 16 and 20; the rest see role 0, keyframe -1
    marked = [kf for _, role, kf in model.calls if kf >= 0]
    assert all(role == 0 for _, role, _ in model.calls) and marked == [4, 0]
    assert all(t == 6 for t, _, _ in model.calls)


def test_stylise_style_role_and_full_strength():
    model = StubModel()
    out = list(
        stylise(
            model,
            np.full((100, 50, 3), 255, np.uint8),
            (np.zeros((32, 32, 3), np.uint8) for _ in range(3)),
            total=3,
            out_size=(32, 32),
            size=(32, 32),
            keyframe=None,
            strength=1.0,
            window=4,
            overlap=1,
        )
    )
    assert len(out) == 3 and all((f == 255).all() for f in out)
    assert model.calls == [(3, 1, -1)]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_staged_output_leaves_nothing_on_failure(tmp_path, error):
    target = tmp_path / "out.mp4"
    with pytest.raises(error):
        with staged_output(target, "video", overwrite=False) as tmp:
            tmp.write_bytes(b"partial")
            raise error()
    assert list(tmp_path.iterdir()) == []


def test_staged_output_replaces_a_folder(tmp_path):
    target = tmp_path / "frames"
    target.mkdir()
    (target / "frame_000000.png").write_bytes(b"old")
    with staged_output(target, "frames", overwrite=True) as tmp:
        tmp.mkdir()
        (tmp / "frame_000000.png").write_bytes(b"new")
    assert (target / "frame_000000.png").read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["frames"]


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from camfuse.checkpoint import save_checkpoint
    from camfuse.config import load_config
    from camfuse.models import CamFuse

    torch.manual_seed(0)
    cfg = load_config("tiny")
    return save_checkpoint(
        tmp_path_factory.mktemp("model") / "tiny", CamFuse(cfg.model), cfg, note="random init"
    )


def test_render_with_a_tiny_model(tmp_path, tiny_checkpoint):
    from camfuse.media import probe_footage, write_image

    footage = tmp_path / "in"
    footage.mkdir()
    rng = np.random.default_rng(0)
    for i in range(7):
        write_image(footage / f"{i}.png", (rng.random((40, 50, 3)) * 255).astype(np.uint8))
    write_image(tmp_path / "p.png", (rng.random((40, 50, 3)) * 255).astype(np.uint8))
    seen = []
    summary = render(
        tmp_path / "p.png",
        footage,
        tmp_path / "out.mp4",
        keyframe=3,
        checkpoint=tiny_checkpoint,
        device="cpu",
        on_progress=lambda i, n: seen.append((i, n)),
    )
    info = probe_footage(tmp_path / "out.mp4")
    assert (info.frames, info.size, info.fps) == (7, "50x40", 24)
    assert seen[-1] == (7, 7) and summary.frames == 7 and "7 frames 50x40" in summary.line()


def test_style_role_with_adaptation_paints_a_key_per_shot(tmp_path, one_thread):
    """Two shots (a cut between two photos): one painted key each, every frame rendered, and not
    the palette-filtered look of --adapt off."""
    import os

    import skimage.data

    from camfuse.checkpoint import save_checkpoint
    from camfuse.config import load_config
    from camfuse.media import frame_files, probe_footage, read_image, write_image
    from camfuse.models import CamFuse

    torch.manual_seed(0)
    cfg = load_config("tiny").with_overrides(["model.sampling=true"])
    ckpt = save_checkpoint(tmp_path / "tiny", CamFuse(cfg.model), cfg, note="random init")
    footage = tmp_path / "in"
    footage.mkdir()
    for i in range(32):  # two 16-frame pans, over the astronaut and over the coffee cup
        photo = skimage.data.astronaut() if i < 16 else skimage.data.coffee()
        x = 2 * (i % 16)
        write_image(footage / f"{i:02d}.png", photo[40:136:2, 100 + x : 228 + x : 2].copy())
    stripes = ((np.add.outer(np.arange(64), np.arange(64)) // 3) % 2)[..., None]
    write_image(tmp_path / "ref.png", (np.array([40, 180, 90]) + 150 * stripes).clip(0, 255)
                .astype(np.uint8))  # fmt: skip
    assert [r.start for r in probe_footage(footage, shots=True).shots] == [0, 16]
    keys = Path(os.environ["CAMFUSE_CACHE"]) / "keys"
    before = set(keys.glob("*.png")) if keys.is_dir() else set()
    outs = {}
    for adapt in ("off", "0"):
        out = tmp_path / f"out-{adapt}"
        render(tmp_path / "ref.png", footage, out, style=True, adapt=adapt, checkpoint=ckpt,
               device="cpu", size=64)  # fmt: skip
        outs[adapt] = [read_image(p) for p in frame_files(out)]
    assert len(outs["0"]) == len(outs["off"]) == 32
    assert len(set(keys.glob("*.png")) - before) == 2  # one painted key per shot
    pairs = zip(outs["0"], outs["off"], strict=True)
    assert np.mean([np.abs(a.astype(int) - b).mean() for a, b in pairs]) > 5
