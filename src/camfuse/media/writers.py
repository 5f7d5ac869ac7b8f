"""Writing footage: H.264 video with the source's audio, or a folder of PNG frames."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .images import MediaError, check_rgb, write_image

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
        frame = check_rgb(frame)
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
