"""Still images: truncated files and decompression bombs are refused with one line, nothing else."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image

from camfuse.media import MAX_SIDE, MediaError, read_image, write_image


def _bytes(image: np.ndarray, fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, fmt)
    return buf.getvalue()


FLAT = np.full((48, 64, 3), 120, np.uint8)  # tiny IDAT: a short cut loses only the PNG's tail
NOISE = (np.random.default_rng(0).random((48, 64, 3)) * 255).astype(np.uint8)


@pytest.mark.parametrize("image", [FLAT, NOISE], ids=["flat", "noise"])
@pytest.mark.parametrize("keep", [0.7, 0.9, -20, -12], ids=["70%", "90%", "-20B", "-IEND"])
@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_image_is_refused(tmp_path, image, keep, fmt):
    data = _bytes(image, fmt)
    cut = tmp_path / f"cut.{fmt.lower()}"
    cut.write_bytes(data[: int(len(data) * keep)] if keep > 0 else data[:keep])
    with pytest.raises(MediaError, match=r"cannot read image .* \(unreadable or truncated\)"):
        read_image(cut)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_complete_image_round_trips(tmp_path, fmt):
    path = tmp_path / f"ok.{fmt.lower()}"
    path.write_bytes(_bytes(NOISE, fmt))
    image = read_image(path)
    assert image.shape == (48, 64, 3) and image.dtype == np.uint8
    if fmt == "PNG":
        assert np.array_equal(image, NOISE)


def test_rgba_and_grey_images_become_rgb(tmp_path):
    Image.new("RGBA", (20, 18), (1, 2, 3, 4)).save(tmp_path / "a.png")
    Image.new("L", (20, 18), 7).save(tmp_path / "l.png")
    assert read_image(tmp_path / "a.png")[0, 0].tolist() == [1, 2, 3]
    assert read_image(tmp_path / "l.png")[0, 0].tolist() == [7, 7, 7]


@pytest.mark.parametrize(
    "w, h, message",
    [
        (MAX_SIDE + 1, 100, f"is {MAX_SIDE + 1}x100; sides must be"),
        (10_000, 10_000, "is 10000x10000; sides must be"),  # Pillow warns of a decompression bomb
        (14_000, 14_000, "is too large; sides must be"),  # Pillow refuses to say more than that
    ],
)
def test_oversized_image_is_refused_from_its_header_without_a_warning(tmp_path, w, h, message):
    Image.new("1", (w, h)).save(tmp_path / "big.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a DecompressionBombWarning would fail the test
        with pytest.raises(MediaError, match=f"big.png {message}"):
            read_image(tmp_path / "big.png")


def test_oversized_image_prints_only_the_error(tmp_path, capsys, recwarn):
    Image.new("1", (10_000, 10_000)).save(tmp_path / "big.png")
    with pytest.raises(MediaError):
        read_image(tmp_path / "big.png")
    assert capsys.readouterr() == ("", "")
    assert not [w for w in recwarn if issubclass(w.category, Image.DecompressionBombWarning)]


def test_write_then_read_is_exact(tmp_path):
    write_image(tmp_path / "x.png", NOISE)
    assert np.array_equal(read_image(tmp_path / "x.png"), NOISE)
