"""Synthetic media for tests: a short clip with a moving bar (and optionally a tone track)."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import av
import numpy as np


def make_clip(
    path: Path,
    *,
    n: int = 12,
    w: int = 64,
    h: int = 48,
    fps: int = 10,
    audio: str | None = None,
    faststart: bool = False,
) -> Path:
    """A synthetic clip (a moving bar) via PyAV; ``audio`` = "aac" | "libopus" adds a tone track."""
    codec = {".gif": "gif", ".webm": "libvpx-vp9"}.get(path.suffix, "libx264")
    with av.open(str(path), "w", options={"movflags": "+faststart"} if faststart else {}) as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height, video.pix_fmt = w, h, ("rgb8" if codec == "gif" else "yuv420p")
        rate = 48000 if audio == "libopus" else 16000
        sound = out.add_stream(audio, rate=rate, layout="mono") if audio else None
        for i in range(n):
            img = np.zeros((h, w, 3), np.uint8)
            img[:, : (i * 5) % w + 1] = (255, (i * 20) % 256, 64)
            out.mux(video.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(video.encode())
        if sound:
            total = rate * n // fps
            tone = (0.2 * np.sin(2 * np.pi * 440 * np.arange(total) / rate)).astype(np.float32)
            for s in range(0, total, 960):
                frame = av.AudioFrame.from_ndarray(
                    tone[None, s : s + 960], format="fltp", layout="mono"
                )
                frame.sample_rate, frame.pts = rate, s
                out.mux(sound.encode(frame))
            out.mux(sound.encode())
    return path


def make_pcm_clip(
    path: Path,
    *,
    rate: int = 48000,
    layout: str = "stereo",
    codec: str = "pcm_s16le",
    n: int = 12,
    fps: int = 10,
) -> Path:
    """An H.264 clip with a PCM tone track (``codec``: pcm_s16le, pcm_s32be, pcm_alaw, ...); mkv and
    mov hold PCM as-is, each its own set of variants."""
    channels = av.AudioLayout(layout).nb_channels
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        sound = out.add_stream(codec, rate=rate, layout=layout)
        for i in range(n):
            img = np.full((48, 64, 3), i * 20 % 256, np.uint8)
            out.mux(video.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(video.encode())
        total = rate * n // fps
        tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(total) / rate)).astype(np.int16)
        for s in range(0, total, 1024):
            packed = np.repeat(tone[s : s + 1024], channels)[None]  # s16 interleaves channels
            frame = av.AudioFrame.from_ndarray(
                packed, format="s16", layout=layout
            )  # encoder converts
            frame.sample_rate, frame.pts = rate, s
            out.mux(sound.encode(frame))
        out.mux(sound.encode())
    return path


def remux(
    src: Path,
    dst: Path,
    *,
    video_tags: dict[str, str] | None = None,
    scramble_audio: Collection[int] = (),
) -> Path:
    """Copy every packet of ``src`` into ``dst`` (container by extension), optionally tagging the
    video stream (e.g. mkvmerge's ``NUMBER_OF_FRAMES`` statistics tag) and scrambling the bytes of
    the audio packets numbered in ``scramble_audio`` (0 = first): damage a decoder rejects."""
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        streams = {s.index: out.add_stream_from_template(s) for s in inp.streams}
        streams[inp.streams.video[0].index].metadata.update(video_tags or {})
        audio = 0
        for packet in inp.demux():
            if packet.size == 0:  # the demuxer's empty flush packet (mkv leaves some dts unset)
                continue
            stream = streams[packet.stream.index]
            if stream.type == "audio":
                if audio in scramble_audio:
                    damaged = av.Packet(bytes(b ^ 0x5A for b in bytes(packet)))
                    damaged.pts, damaged.dts = packet.pts, packet.dts
                    damaged.time_base = packet.time_base
                    packet = damaged
                audio += 1
            packet.stream = stream
            out.mux(packet)
    return dst


def truncate(path: Path, fraction: float) -> Path:
    """A copy of ``path`` holding only its first ``fraction`` of bytes, named ``cut_<name>``."""
    cut = path.with_name(f"cut_{path.name}")
    cut.write_bytes(path.read_bytes()[: int(path.stat().st_size * fraction)])
    return cut


def noise_pan(folder: Path, *, frames: int, seed: int = 0, w: int = 64, h: int = 48) -> np.ndarray:
    """PNG frames of one noise image panning 2 px a frame into ``folder``/shot; returns the image."""
    from camfuse.media import write_image

    shot = folder / "shot"
    shot.mkdir()
    base = (np.random.default_rng(seed).random((h, w, 3)) * 255).astype(np.uint8)
    for i in range(frames):
        write_image(shot / f"{i:02d}.png", np.roll(base, 2 * i, axis=1))
    return base
