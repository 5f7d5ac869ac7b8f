import json

import cv2
import numpy as np
import pytest
import skimage.data

from camfuse.data.painters import PAINTERS, paint, sample_params


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    img = cv2.resize(skimage.data.astronaut(), (80, 64), interpolation=cv2.INTER_AREA)
    return img.astype(np.float32) / 255.0


def test_at_least_the_six_families_are_registered():
    assert {"oil", "watercolour", "cel", "pencil", "pointillism", "impasto"} <= set(PAINTERS)


@pytest.mark.parametrize("name", sorted(PAINTERS))
def test_painter_is_deterministic_in_range_and_paints(name, image):
    params = sample_params(name, np.random.default_rng(0))
    params["scale"] = 0.3
    json.dumps(params)  # JSON-serialisable
    a = paint(name, image, params)
    b = paint(name, image.copy(), json.loads(json.dumps(params)))
    assert a.shape == image.shape and a.dtype == np.float32
    assert a.min() >= 0.0 and a.max() <= 1.0 and np.isfinite(a).all()
    np.testing.assert_array_equal(a, b)
    assert np.abs(a - image).mean() > 0.02  # a painting, not a copy


@pytest.mark.parametrize("name", sorted(PAINTERS))
def test_painter_seeds_give_different_params_and_paintings(name, image):
    p0 = sample_params(name, np.random.default_rng(1))
    p1 = sample_params(name, np.random.default_rng(2))
    assert p0 != p1
    p0["scale"] = p1["scale"] = 0.3
    assert np.abs(paint(name, image, p0) - paint(name, image, p1)).mean() > 0.005


def test_paint_rejects_bad_input(image):
    params = sample_params("oil", np.random.default_rng(0))
    with pytest.raises(ValueError, match="unknown painter"):
        paint("sepia", image, params)
    with pytest.raises(ValueError, match="float32"):
        paint("oil", (image * 255).astype(np.uint8), params)
