"""`--network off`: the same render path without the network, the comparison every run can make;
`--network auto` (the default): off with a paint-over, on with a style reference."""

import numpy as np
import pytest

from camfuse.media import frame_files, read_image, write_image
from camfuse.render import render
from camfuse.render.plan import prepare
from tests.footage import noise_pan


@pytest.fixture
def shot(tmp_path):
    base, footage = noise_pan(tmp_path, frames=6, seed=3), tmp_path / "shot"
    painting = np.ascontiguousarray(255 - base)  # a paint-over far from the footage's colours
    write_image(tmp_path / "paint.png", painting)
    return tmp_path, footage, painting


def _render(tmp_path, footage, network: str) -> np.ndarray:
    out = tmp_path / f"net-{network}"
    render(tmp_path / "paint.png", footage, f"{out}/", keyframe=0, size=64, device="cpu",
           network=network)  # fmt: skip
    return np.stack([read_image(p) for p in frame_files(out)]).astype(int)


def test_the_network_is_not_bypassed(shot):
    tmp_path, footage, _ = shot
    on, off = _render(tmp_path, footage, "on"), _render(tmp_path, footage, "off")
    assert on.shape == off.shape == (6, 48, 64, 3)
    assert np.abs(on - off).mean() > 1.0  # the network changes what a user sees


def test_network_off_carries_the_paint_over(shot):
    tmp_path, footage, painting = shot
    off = _render(tmp_path, footage, "off")
    # at the keyframe the guide is the paint-over itself, trusted everywhere
    assert np.abs(off[0] - painting.astype(int)).max() <= 2
    # further on, the carried paint (shifted 2 px a frame) stays the paint-over, not the footage
    inner = (slice(8, -8), slice(16, -16))
    moved = np.roll(painting, 6, axis=1).astype(int)
    assert (
        np.abs(off[3][inner] - moved[inner]).mean()
        < np.abs(off[3][inner] - (255 - moved[inner])).mean()
    )


def test_unknown_network_value_is_one_clear_error(shot):
    tmp_path, footage, _ = shot
    with pytest.raises(ValueError, match="unknown --network 'maybe'; choose one of auto, on, off"):
        render(tmp_path / "paint.png", footage, f"{tmp_path}/x/", keyframe=0, network="maybe")


def test_auto_is_off_with_a_paint_over_and_on_with_a_style_reference(shot):
    tmp_path, footage, _ = shot
    paint, out = tmp_path / "paint.png", f"{tmp_path}/x/"
    assert prepare(paint, footage, out, keyframe=0).network == "off"
    assert prepare(paint, footage, out, style=True).network == "on"
    assert prepare(paint, footage, out, keyframe=0, network="on").network == "on"
    assert prepare(paint, footage, out, style=True, network="off").network == "off"
    # and the default render is the --network off one, frame for frame
    default = tmp_path / "default"
    render(paint, footage, f"{default}/", keyframe=0, size=64, device="cpu")
    frames = np.stack([read_image(p) for p in frame_files(default)]).astype(int)
    assert np.array_equal(frames, _render(tmp_path, footage, "off"))


def test_network_off_never_loads_the_model(shot, monkeypatch):
    import camfuse.checkpoint

    def refuse(*args, **kwargs):
        raise AssertionError("the network was loaded for a render that does not use it")

    monkeypatch.setattr(camfuse.checkpoint, "load_model", refuse)
    tmp_path, footage, _ = shot
    assert _render(tmp_path, footage, "off").shape == (6, 48, 64, 3)
