"""The style role's painted keys (render/style_key.py) and the shot-by-shot render (stream.py)."""

from __future__ import annotations

import numpy as np
import torch

from camfuse.losses import PretrainedStyleLoss
from camfuse.render.style_key import KeySettings, key_frame, key_hash, paint_from_reference

FAST = KeySettings(steps=30, lr=0.03, content=0.1)


def _images():
    g = torch.Generator().manual_seed(0)
    frame = torch.nn.functional.interpolate(torch.rand(1, 3, 6, 8, generator=g), size=(48, 64),
                                            mode="bilinear")[0]  # fmt: skip
    yy, xx = torch.meshgrid(torch.arange(64), torch.arange(64), indexing="ij")
    stripes = (((xx + yy) // 3) % 2).float()  # a diagonal hatching in two colours
    reference = torch.stack([0.2 + 0.7 * stripes, 0.3 * stripes, 0.8 - 0.6 * stripes])
    return frame, reference


def test_the_painted_key_moves_towards_the_reference_and_keeps_the_frame(one_thread):
    frame, reference = _images()
    painted = paint_from_reference(frame, reference, FAST)
    assert painted.shape == frame.shape and 0 <= painted.min() and painted.max() <= 1
    style = PretrainedStyleLoss()
    assert style(painted[None], reference[None]) < 0.7 * style(frame[None], reference[None])
    # structure kept: under the hatching, the painted key's broad light and dark follow the frame
    low = lambda x: torch.nn.functional.avg_pool2d(x.mean(0)[None], 8).flatten().numpy()  # noqa: E731
    assert np.corrcoef(low(painted), low(frame))[0, 1] > 0.5


def test_the_content_weight_trades_the_frame_against_the_reference(one_thread):
    frame, reference = _images()
    low = lambda x: torch.nn.functional.avg_pool2d(x.mean(0)[None], 8).flatten().numpy()  # noqa: E731
    kept = {
        w: np.corrcoef(low(paint_from_reference(frame, reference, KeySettings(steps=30, lr=0.03,
                                                                             content=w))),
                       low(frame))[0, 1]
        for w in (0.01, 0.3)
    }  # fmt: skip
    assert kept[0.3] > kept[0.01] + 0.2, kept


def test_a_painted_key_is_cached_and_read_back(tmp_path, one_thread):
    frame, reference = _images()
    first = paint_from_reference(frame, reference, FAST, cache=tmp_path)
    files = list(tmp_path.iterdir())
    assert [f.name for f in files] == [f"{key_hash(frame, reference, FAST)}.png"]
    calls = []
    again = paint_from_reference(frame, reference, FAST, cache=tmp_path,
                                 on_progress=lambda *a: calls.append(a))  # fmt: skip
    assert calls == [] and torch.equal(first, again)
    other = KeySettings(steps=31, lr=0.03, content=0.1)
    assert key_hash(frame, reference, other) != key_hash(frame, reference, FAST)


def test_a_damaged_cached_key_is_painted_again(tmp_path, one_thread):
    frame, reference = _images()
    (tmp_path / f"{key_hash(frame, reference, FAST)}.png").write_bytes(b"not a png")
    calls = []
    paint_from_reference(frame, reference, FAST, cache=tmp_path,
                         on_progress=lambda *a: calls.append(a))  # fmt: skip
    assert len(calls) == FAST.steps


def test_the_key_is_the_middle_of_the_shot():
    assert key_frame(range(0, 1)) == 0
    assert key_frame(range(10, 20)) == 14
    assert key_frame(range(30, 76)) == 52


def test_shots_render_one_after_another_each_from_its_own_key(tiny_config):
    from camfuse.models import CamFuse
    from camfuse.render.stream import ShotKey, stylise_shots

    torch.manual_seed(0)
    tiny_config.model.sampling = True
    model = CamFuse(tiny_config.model).eval()
    rng = np.random.default_rng(0)
    frames = [(rng.random((32, 48, 3)) * 255).astype(np.uint8) for _ in range(7)]
    keys = [
        ShotKey(range(0, 3), 1, np.full((32, 48, 3), 20, np.uint8), None),
        ShotKey(range(3, 7), 5, np.full((32, 48, 3), 230, np.uint8), None),
    ]
    pulled = []

    def source():
        for f in frames:
            pulled.append(1)
            yield f

    out = list(stylise_shots(model, keys, source(), out_size=(48, 32), size=(48, 32), window=2,
                             overlap=0))  # fmt: skip
    assert len(out) == 7 and len(pulled) == 7
    assert all(o.shape == (32, 48, 3) for o in out)
    # each shot's keyframe carries its own paint (dark in the first shot, bright in the second)
    assert out[1].mean() < 100 < out[5].mean()
