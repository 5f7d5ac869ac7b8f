"""Synthetic media for tests: a short clip with a moving bar (and optionally a tone track)."""

from __future__ import annotations

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
