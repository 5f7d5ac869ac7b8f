"""One browser tab's work: its footage, keyframes, uploads and renders, in a folder of its own.

Everything the web page does goes through :class:`Session`, which calls the same Python API as
the command line (:func:`camfuse.render.render`, :func:`camfuse.media.export_frames`), so
validation and errors are the CLI's: a bad input raises ``ValueError`` (or ``MediaError``, a
subclass) with the same one-line message, which the page shows. Uploads are moved into the
session's folder; :meth:`Session.close` deletes it (the app calls it when the tab goes away).

A render writes PNG frames first (the lossless result, zipped for download), then packs them
into an H.264 mp4 (with the footage's audio) and a side-by-side mp4 (footage | paint).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

from ..media import (
    FootageInfo,
    MediaError,
    VideoWriter,
    export_frames,
    iter_frames,
    probe_footage,
    read_image,
)
from ..render import render

log = logging.getLogger(__name__)

# --adapt auto, per shot on 2 CPU cores. Style role: 76-82 s at 256 and at 512 px alike (the
# painter trains on fixed 64-px patches; benchmarks/bench_adapt.py, docs/performance.md).
# Keyframe role: the feature map alone, 2.2 s the first time (the pretrained trunk loads), 0.7 s
# after, at 256 px with the other core busy
ADAPT_SECONDS = 80
KEY_ADAPT_SECONDS = 2


class Cancelled(Exception):
    """The user pressed Cancel; the render stops and removes its partial output."""


@dataclass
class RenderFiles:
    video: Path  # the paint, H.264
    side_by_side: Path  # footage | paint, H.264
    frames_zip: Path  # the PNG frames
    frames: int
    size: tuple[int, int]


@dataclass
class Session:
    """A tab's state. ``root``: its private folder (created; removed by :meth:`close`)."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="camfuse-ui-")))
    footage: FootageInfo | None = None
    keys: dict[int, Path] = field(default_factory=dict)  # keyframe -> paint-over (in root)
    reference: Path | None = None  # style role
    mask: Path | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    _count: int = 0

    # -- inputs -----------------------------------------------------------------------------

    def load_footage(self, path: str | Path, *, upload: bool) -> FootageInfo:
        """Probe footage (an upload, moved into the session, or a path on this machine)."""
        source = self._take(path) if upload else Path(path).expanduser()
        info = probe_footage(source, shots=True)
        self.footage, self.keys, self.mask = info, {}, None
        return info

    def frame(self, i: int) -> np.ndarray:
        """Footage frame ``i`` (RGB uint8)."""
        info = self._need_footage()
        if not 0 <= i < info.frames:
            raise ValueError(f"frame {i} is out of range: the footage has {info.frames} frames")
        return next(islice(iter_frames(info.path, i + 1), i, None))

    def export_frame(self, i: int) -> Path:
        """Frame ``i`` as a PNG named by its number (``00012.png``), to paint over."""
        info = self._need_footage()
        if not 0 <= i < info.frames:
            raise ValueError(f"frame {i} is out of range: the footage has {info.frames} frames")
        out = self._fresh("export")
        (path,) = export_frames(info.path, out, [i])
        return path

    def add_key(self, frame: int, painting: str | Path) -> dict[int, Path]:
        """A paint-over of ``frame`` (replacing one there); checked as the render checks it."""
        from ..render.inputs import read_keyframes

        info = self._need_footage()
        path = self._take(painting)
        read_keyframes(path, int(frame), None, info)  # range, type, size, aspect: the CLI's rules
        self.keys[int(frame)] = path
        return dict(sorted(self.keys.items()))

    def remove_key(self, frame: int) -> dict[int, Path]:
        self.keys.pop(int(frame), None)
        return dict(sorted(self.keys.items()))

    def set_reference(self, painting: str | Path | None) -> None:
        self.reference = self._take(painting) if painting else None

    def set_mask(self, mask: str | Path | None) -> None:
        """A mask video or frame folder; checked against the footage now."""
        from ..render.inputs import check_mask

        if not mask:
            self.mask = None
            return
        self.mask = check_mask(self._take(mask), self._need_footage())

    def adapt_estimate(self, size: int) -> str:
        """What ``--adapt auto`` will cost, in words."""
        info = self._need_footage()
        shots = len(info.shots or ()) or 1  # the style role adapts every shot; keyframes once
        seconds = KEY_ADAPT_SECONDS if self.keys else ADAPT_SECONDS * shots
        beyond = "" if size <= 512 else " (measured up to 512 px; more above)"
        return (
            f"adaptation: about {seconds:.0f} s before the first frame{beyond} (cached afterwards)"
        )

    # -- renders ----------------------------------------------------------------------------

    def preview(self, i: int, **options) -> np.ndarray:
        """Frame ``i`` rendered alone (the track still runs from the nearest keyframes)."""
        out = self._fresh("preview")
        self._render(out, start=i, end=i + 1, **options)
        (frame,) = sorted(out.iterdir())
        return read_image(frame)

    def render_all(
        self,
        *,
        start: int = 0,
        end: int | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        on_adapt: Callable[[int, int, float], None] | None = None,
        **options,
    ) -> RenderFiles:
        """The whole range: PNG frames, then the mp4, the side-by-side mp4 and the zip."""
        info = self._need_footage()
        end = info.frames if end is None else end
        frames = self._fresh("render")
        self._render(frames, start=start, end=end, on_progress=on_progress, on_adapt=on_adapt,
                     **options)  # fmt: skip
        stem = self.root / f"{info.path.stem}_painted_{self._count}"  # new names: no stale player
        files = RenderFiles(
            stem.with_suffix(".mp4"),
            stem.with_name(stem.name + "_side_by_side.mp4"),
            stem.with_suffix(".zip"),
            end - start,
            (info.width, info.height),
        )
        paints = [read_image(p) for p in sorted(frames.iterdir())]
        whole = start == 0 and end == info.frames
        self._write_video(files.video, paints, audio=whole)
        sources = islice(iter_frames(info.path, end), start, None)
        pairs = (np.concatenate([s, p], axis=1) for s, p in zip(sources, paints, strict=True))
        self._write_video(files.side_by_side, pairs, width=2 * info.width)
        shutil.make_archive(str(files.frames_zip.with_suffix("")), "zip", frames)
        return files

    def close(self) -> None:
        """Delete the session's folder: uploads, exports and renders."""
        shutil.rmtree(self.root, ignore_errors=True)

    # -- helpers ----------------------------------------------------------------------------

    def _render(self, out: Path, *, on_progress=None, on_adapt=None, **options) -> None:
        info = self._need_footage()
        style = not self.keys
        if style and self.reference is None:
            raise ValueError("add a keyframe (frame number + paint-over) or a style reference")
        self.cancel.clear()

        def progress(i: int, n: int) -> None:
            if self.cancel.is_set():
                raise Cancelled("render cancelled")
            if on_progress:
                on_progress(i, n)

        def adapting(i: int, n: int, loss: float) -> None:
            if self.cancel.is_set():
                raise Cancelled("render cancelled")
            if on_adapt:
                on_adapt(i, n, loss)

        keys = sorted(self.keys.items())
        render(
            self.reference if style else [p for _, p in keys],
            info.path,
            out,
            **({"style": True} if style else {"keyframe": [k for k, _ in keys]}),
            mask=self.mask,
            on_progress=progress,
            on_adapt=adapting,
            **options,
        )

    def _write_video(self, path: Path, frames, *, width: int | None = None, audio=False) -> None:
        """H.264 of ``frames`` into the session's folder (private: no staging needed)."""
        info = self._need_footage()
        writer = VideoWriter(
            path,
            width=width or info.width,
            height=info.height,
            fps=info.fps or 24,
            audio_from=info.path if audio and info.has_audio else None,
        )
        try:
            for f in frames:
                writer.write(f)
            writer.close()
        except BaseException:
            writer.abort()
            raise

    def _take(self, path: str | Path) -> Path:
        """Move an upload into the session's folder (keeping its name)."""
        src = Path(path)
        if not src.exists():
            raise MediaError(f"upload not found: {src}")
        if self.root in src.parents:
            return src
        folder = self._fresh("upload")
        folder.mkdir()
        dst = folder / src.name
        shutil.move(str(src), dst)
        return dst

    def _fresh(self, what: str) -> Path:
        """A new, not yet existing path in the session's folder (the writer creates it)."""
        self._count += 1
        return self.root / f"{what}-{self._count}"

    def _need_footage(self) -> FootageInfo:
        if self.footage is None:
            raise ValueError("load footage first")
        return self.footage


__all__ = ["ADAPT_SECONDS", "KEY_ADAPT_SECONDS", "Cancelled", "RenderFiles", "Session"]
