"""``camfuse ui`` in a real headless Chromium (Playwright driving Debian's ``chromium``): the
artist's path end to end on a short bundled clip, and a bad upload. Screenshots go to
``$CAMFUSE_TEST_OUTPUT/ui`` (default ``test-output/ui``).

The browser is installed by ``make test`` (apt, as root); where none can be installed the test is
skipped and says why."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import numpy as np
import pytest

from camfuse.media import bundled_clip, iter_frames, probe_footage, write_image

CHROMIUM = next(
    (p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on this machine (make test installs it with apt as root: "
    "apt-get install chromium)",
)
FRAMES = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def shots_dir() -> Path:
    d = Path(os.environ.get("CAMFUSE_TEST_OUTPUT", "test-output")) / "ui"
    d.mkdir(parents=True, exist_ok=True)
    return d


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("playwright")
    from camfuse.ui import serve

    port = _free_port()
    app = serve(port=port, block=False, device="cpu")
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _upload(page, component: str, path: Path) -> None:
    """Choose a file and wait until the server has it: the component then shows the file's name
    (stem and extension in separate elements) and its size as a link to the stored copy."""
    page.set_input_files(f"#{component} input[type=file]", str(path))
    page.wait_for_selector(f"#{component} :text('{path.stem}')", timeout=60_000)
    page.wait_for_selector(f"#{component} a:has-text('⇣')", timeout=60_000)


def test_the_artists_path_end_to_end(server, browser, shots_dir, tmp_path):
    from camfuse.data.painters import paint, sample_params

    clip = bundled_clip("carphone")
    frame = next(iter_frames(clip, 1))
    params = sample_params("oil", np.random.default_rng(7)) | {"scale": 176 / 256}
    painted = (np.clip(paint("oil", frame.astype(np.float32) / 255, params), 0, 1) * 255).round()
    write_image(tmp_path / "paintover.png", painted.astype(np.uint8))  # the artist's paint-over

    page = browser.new_page(accept_downloads=True, viewport={"width": 1400, "height": 1800})
    page.goto(server)
    _upload(page, "footage-file", clip)
    page.click("#load")
    page.wait_for_selector("#footage-info :text('120 frames')", timeout=60_000)
    # scrub: the frame number follows into the keyframe box; export downloads that frame
    page.fill("#scrub input[type=number]", "7")
    page.press("#scrub input[type=number]", "Enter")
    page.wait_for_function("document.querySelector('#key-frame input').value === '7'")
    with page.expect_download() as exported:
        page.click("#export")
    assert exported.value.suggested_filename == "00007.png"
    page.fill("#key-frame input", "0")
    _upload(page, "key-paint", tmp_path / "paintover.png")
    page.click("#add-key")
    page.wait_for_selector("#keys :text('Keyframes:')", timeout=30_000)
    page.uncheck("#adapt input[type=checkbox]")  # seconds, not the 90 s of adaptation
    page.fill("#end input", str(FRAMES))
    page.press("#end input", "Tab")
    page.click("#preview")
    page.wait_for_selector("#preview-out img", timeout=120_000)
    page.screenshot(path=str(shots_dir / "preview.png"), full_page=True)
    page.click("#render")
    page.wait_for_selector("#status :text('Rendered')", timeout=300_000)
    page.screenshot(path=str(shots_dir / "rendered.png"), full_page=True)
    with page.expect_download() as video:
        page.click("#dl-mp4")
    out = tmp_path / "result.mp4"
    video.value.save_as(out)
    info = probe_footage(out)
    assert (info.frames, info.size) == (FRAMES, "176x144")
    first = next(iter_frames(out, 1)).astype(float)
    assert np.abs(first - painted).mean() < 0.5 * np.abs(frame - painted).mean()  # the paint
    with page.expect_download() as frames_zip:
        page.click("#dl-zip")
    assert frames_zip.value.suggested_filename.endswith(".zip")
    page.close()


def test_a_bad_upload_shows_the_error_in_the_page(server, browser, shots_dir, tmp_path):
    bad = tmp_path / "holiday.mp4"
    bad.write_text("this is not a video")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    _upload(page, "footage-file", bad)
    page.click("#load")
    toast = page.wait_for_selector(":text('unreadable')", timeout=60_000)
    text = toast.inner_text()
    assert "holiday.mp4" in text and "Traceback" not in page.content()
    page.screenshot(path=str(shots_dir / "bad-upload.png"), full_page=True)
    page.close()


def test_a_paint_over_of_the_wrong_shape_is_refused_with_the_clis_message(
    server, browser, tmp_path
):
    write_image(tmp_path / "wide.png", np.zeros((40, 200, 3), np.uint8))
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    _upload(page, "footage-file", bundled_clip("carphone"))
    page.click("#load")
    page.wait_for_selector("#footage-info :text('120 frames')", timeout=60_000)
    _upload(page, "key-paint", tmp_path / "wide.png")
    page.click("#add-key")
    assert "aspect ratio" in page.wait_for_selector(":text('aspect ratio')").inner_text()
    page.close()
