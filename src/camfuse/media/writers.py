"""Writing footage: H.264 or ProRes 4444 video with the source's audio, or a folder of PNG
frames (8 or 16 bits)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from .images import MediaError, check_frame, write_image

log = logging.getLogger(__name__)

OUTPUT_VIDEO_EXTS = {".mp4", ".mov", ".mkv"}  # containers that hold H.264


@dataclass(frozen=True)
class VideoCodec:
    """How one ``--codec`` is written: what :func:`camfuse.render.prepare` checks options against."""

    encoder: str  # FFmpeg encoder
    pix_fmt: str  # opaque frames
    alpha_pix_fmt: str | None  # frames with alpha; None: the codec has no alpha
    depths: tuple[int, ...]  # bits per channel of the frames it takes (uint8 / uint16)
    exts: frozenset[str]  # containers it is written to
    even: bool  # chroma subsampled: odd sides are padded by one pixel
    matrix: str | None  # RGB -> YUV matrix, also tagged in the file; None: swscale's (untagged)
    options: dict[str, str] = field(default_factory=dict)


CODECS = {
    "h264": VideoCodec(
        "libx264", "yuv420p", None, (8,), frozenset(OUTPUT_VIDEO_EXTS), even=True, matrix=None,
        options={"crf": "18"},
    ),
    # ProRes 4444 (profile 4): 4:4:4 with alpha at 10 bits, what compositors take from QuickTime;
    # "apl0" is the vendor tag Apple's own decoders expect
    "prores": VideoCodec(
        "prores_ks", "yuv444p10le", "yuva444p10le", (8, 16), frozenset({".mov"}), even=False,
        matrix="itu709", options={"profile": "4", "vendor": "apl0"},
    ),
}  # fmt: skip
_INPUT_FORMATS = {  # (dtype, channels) -> PyAV's name for the frame as it arrives
    (np.uint8, 3): "rgb24",
    (np.uint8, 4): "rgba",
    (np.uint16, 3): "rgb48le",
    (np.uint16, 4): "rgba64le",
}
TRANSCODE_AUDIO_TO = "aac"  # all three containers hold it and every player plays it
_PCM = {f"pcm_{t}{e}" for t in ("s16", "s24", "s32", "f32", "f64") for e in ("le", "be")}
_PCM |= {"pcm_u8", "pcm_s8", "pcm_alaw", "pcm_mulaw"}  # every PCM the mov muxer takes
_COPYABLE_AUDIO = {  # what players expect in each container; mkv takes whatever its muxer does
    ".mp4": {"aac", "mp3", "alac", "ac3", "eac3", "opus", "flac"},
    ".mov": {"aac", "mp3", "alac", "ac3", "eac3"} | _PCM,
}
_LAYOUTS = {1: "mono", 2: "stereo", 3: "2.1", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}


class VideoWriter:
    """Video at a constant frame rate, with the source's audio muxed in; ``codec`` (:data:`CODECS`):

    - ``h264``: libx264, yuv420p, CRF 18, uint8 RGB frames. yuv420p needs even sides: an odd width
      or height is padded by one pixel that repeats the last row/column, so the file is at most
      1 px larger than the source (a PNG folder keeps the exact size).
    - ``prores``: prores_ks, ProRes 4444, yuv444p10le, or yuva444p10le with ``alpha`` (RGBA
      frames; the alpha is carried); BT.709, tagged; uint8 or, with ``depth=16``, uint16 frames
      (which keep 10 bits). Any size. ``.mov`` only.

    Audio is copied packet for packet when the container accepts the codec, otherwise
    transcoded to AAC (resampled to a rate and layout AAC takes), otherwise dropped with a warning;
    it is interleaved with the video as frames are written.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        width: int,
        height: int,
        fps: Fraction,
        audio_from: Path | None = None,
        codec: str = "h264",
        alpha: bool = False,
        depth: int = 8,
    ) -> None:
        self.path = Path(path)
        self.codec = CODECS[codec]
        ext = self.path.suffix.lower()
        assert ext in self.codec.exts and depth in self.codec.depths, (codec, ext, depth)
        assert not alpha or self.codec.alpha_pix_fmt, codec
        pad = self.codec.even
        self.size = (width + width % 2 * pad, height + height % 2 * pad)
        self.fps = Fraction(fps)
        self.alpha, self.depth = alpha, depth
        self._pix_fmt = self.codec.alpha_pix_fmt if alpha else self.codec.pix_fmt
        self._n = 0
        try:
            self._out = av.open(str(self.path), "w")
        except Exception as exc:
            raise MediaError(f"cannot create video {self.path}: {exc.__class__.__name__}") from None
        self._video = self._out.add_stream(self.codec.encoder, rate=self.fps)
        self._video.width, self._video.height = self.size
        self._video.pix_fmt = self._pix_fmt
        self._video.options = dict(self.codec.options)
        if self.codec.matrix:
            ctx = self._video.codec_context  # BT.709 primaries, transfer, matrix; limited range
            ctx.colorspace = ctx.color_primaries = ctx.color_trc = 1
            ctx.color_range = 1
        self._audio = _AudioTrack.open(audio_from, self._out, ext) if audio_from else None

    def write(self, frame: np.ndarray) -> None:
        """One frame: (H, W, 3), or (H, W, 4) with ``alpha``; uint8, or uint16 with ``depth=16``."""
        frame = check_frame(frame, depth=self.depth, channels=(4,) if self.alpha else (3,))
        h, w = frame.shape[:2]
        ph, pw = (h % 2, w % 2) if self.codec.even else (0, 0)
        if (w + pw, h + ph) != self.size:
            raise ValueError(f"frame is {w}x{h}, the video is {self.size[0]}x{self.size[1]}")
        if pw or ph:
            frame = np.pad(frame, ((0, ph), (0, pw), (0, 0)), mode="edge")
        vf = av.VideoFrame.from_ndarray(
            frame, format=_INPUT_FORMATS[frame.dtype.type, frame.shape[2]]
        )
        if self.codec.matrix:  # converted here: the encoder's own conversion would use BT.601
            vf = vf.reformat(
                format=self._pix_fmt, dst_colorspace=self.codec.matrix, dst_color_range="MPEG"
            )
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
    """The first audio stream of ``src``, fed into ``out`` up to a time as video is written.

    Transcoding goes through an explicit resampler to the encoder's sample format, layout and
    rate: Matroska stores PCM with a channel count but no layout, which AAC refuses outright.
    Timestamps restart at zero and are counted in samples (AAC frames differ in size from the
    source's); a packet the decoder rejects is skipped.
    """

    @classmethod
    def open(cls, src: Path, out, ext: str) -> _AudioTrack | None:
        """The track copied or transcoded into ``out``; None (and a warning) if neither works."""
        track = cls(src)
        if track._add_copy(out, ext) or track._add_transcode(out):
            return track
        log.warning("audio track %s cannot be written to %s: dropped", track._codec, ext)
        track.close()
        return None

    def __init__(self, src: Path) -> None:
        self._in = av.open(str(src))
        self._src = self._in.streams.audio[0]
        self._codec = self._src.codec_context.name
        self._packets = self._in.demux(self._src)
        self._next = None
        self._copy = False
        self._resampler: av.AudioResampler | None = None
        self._damaged = 0

    def _add_copy(self, out, ext: str) -> bool:
        if ext in _COPYABLE_AUDIO and self._codec not in _COPYABLE_AUDIO[ext]:
            return False
        try:
            self._stream = out.add_stream_from_template(self._src)
        except ValueError:  # "format does not support codec": checked before a stream is added
            return False
        self._out, self._copy = out, True
        return True

    def _add_transcode(self, out) -> bool:
        settings = _encoder_settings(self._src)
        if settings is None:
            return False
        fmt, layout, rate, frame_size = settings
        try:
            self._stream = out.add_stream(TRANSCODE_AUDIO_TO, rate=rate, layout=layout)
        except ValueError:  # "format does not support codec": checked before a stream is added
            return False
        self._stream.codec_context.format = fmt
        self._resampler = av.AudioResampler(
            format=fmt, layout=layout, rate=rate, frame_size=frame_size or None
        )
        self._out = out
        return True

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
        try:
            encoded = [p for frame in packet.decode() for p in self._encode(frame)]
        except (av.error.FFmpegError, ValueError):  # damaged data, or a mid-stream format change
            self._damaged += 1
            return
        self._out.mux(encoded)

    def _encode(self, frame: av.AudioFrame | None) -> list[av.Packet]:
        """Resample and encode ``frame``; None flushes both."""
        if frame is not None:
            frame.pts = None  # the resampler and the encoder count samples from zero
        packets = []
        for resampled in self._resampler.resample(frame):
            resampled.pts = None
            packets += self._stream.encode(resampled)
        return packets + (self._stream.encode() if frame is None else [])

    def finish(self) -> None:
        self.feed(float("inf"))
        if not self._copy:
            self._out.mux(self._encode(None))
        if self._damaged:
            log.warning("audio track %s: %d damaged packets skipped", self._codec, self._damaged)
        self.close()

    def close(self) -> None:
        self._in.close()


def _encoder_settings(src) -> tuple[str, str, int, int] | None:
    """(sample format, layout, rate, frame size) the transcoding encoder opens with for ``src``:
    its layout if the encoder takes it, else the usual one for its channel count, else stereo;
    its rate if the encoder takes it, else the next higher one. None if the encoder will not open.
    """
    try:
        codec = av.Codec(TRANSCODE_AUDIO_TO, "w")
    except (av.error.FFmpegError, ValueError):  # not in this FFmpeg build
        return None
    fmt = codec.audio_formats[0].name if codec.audio_formats else "fltp"
    rates = sorted(codec.audio_rates or [src.rate])
    rate = src.rate if src.rate in rates else next((r for r in rates if r > src.rate), rates[-1])
    layouts = [src.layout.name, _LAYOUTS.get(src.layout.nb_channels, "stereo"), "stereo"]
    for layout in dict.fromkeys(layouts):
        ctx = av.CodecContext.create(codec, "w")
        ctx.format, ctx.layout, ctx.sample_rate = fmt, layout, rate
        try:
            ctx.open()
        except (av.error.FFmpegError, ValueError):
            continue
        return fmt, layout, rate, ctx.frame_size
    return None


class FrameFolderWriter:
    """One PNG per frame (RGB, or RGBA for (H, W, 4) frames; 16 bits per channel for uint16
    frames), ``frame_000000.png`` ... numbered from ``first`` (the clip's number of the first
    frame written; more digits if needed)."""

    def __init__(self, folder: str | Path, *, total: int, first: int = 0) -> None:
        self.folder = Path(folder)
        self.folder.mkdir()
        self._digits = max(6, len(str(max(first + total - 1, 0))))
        self._n = first

    def write(self, frame: np.ndarray) -> None:
        write_image(self.folder / f"frame_{self._n:0{self._digits}d}.png", frame)
        self._n += 1

    def close(self) -> None:
        pass

    def abort(self) -> None:
        pass
