"""Shots: where the footage cuts, found frame by frame in the single decoding pass.

A render must know its shots before it streams frames: a painted keyframe must not be carried
across a cut, and the style role fits its palette per shot. Detection is PySceneDetect's
``AdaptiveDetector`` (Castellano, PySceneDetect, scenedetect.com): each frame gets the mean HSV
difference to the frame before it (``content_val``), and a frame starts a new shot when that
difference is both large (``min_content``) and ``threshold`` times the mean of its two neighbours
on either side. The ratio is what keeps camera motion out: a pan or a passing car raises every
frame's difference together, a cut raises one.

Frames are shrunk to :data:`WIDTH` px wide (a cut changes the whole picture; fine texture only adds
motion noise) and turned BGR here, the order OpenCV and PySceneDetect expect; BGR never leaves this
module. Nothing but the previous frame's HSV planes and five scores is held.

Caveats: gradual transitions (dissolves, fades) are not cuts and are not found; a cut less than
``min_len`` frames after the clip's start or the previous cut is dropped (a 5-frame insert joins
the shot after it), and a cut in the last two frames is missed (the ratio needs two frames after
it). A single-frame flash that brightens a frame 1.6x reaches a ratio of 2.4 and a cut made
during a fast pan only 3.1 (bikes.mp4's cut at frame 76, during a passing car: 3.3):
:data:`THRESHOLD` sits between them, so such cuts are caught with less margin than most (4.5-12).

Cost, on this project's 2 shared cores: 0.06 s per 1000 frames of detection at 160x90, 0.6 s per
1000 frames pushed at 1280x720 (the shrinking dominates); ``probe_footage(..., shots=True)`` adds
1.8 s per 1000 720p frames to the decoding's 1.1 s (the RGB conversion and the shrinking), which
is small beside inference. Measured with (and with ``(720, 1280, 3)`` frames)::

    python -m timeit -n1 -r3 -s "import numpy as np, camfuse.media as m; f = np.zeros((90, 160, 3), np.uint8)" "d = m.ShotDetector(); [d.push(f) for _ in range(1000)]"
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

import cv2
import numpy as np
from scenedetect import AdaptiveDetector, FrameTimecode

from .images import check_rgb

THRESHOLD = 2.75  # ratio to the neighbours' mean: a flash reaches 2.4, the weakest real cut 3.1
MIN_CONTENT = 15.0  # PySceneDetect's default floor on content_val; real cuts here score 35-75
MIN_LEN = 15  # frames (PySceneDetect's default, 0.5-0.6 s) before another cut may start a shot
WIDTH = 160  # px wide for detection: 0.06 ms a frame, and cut ratios hold (full size: 3.1)
_WINDOW = 2  # neighbours on each side averaged for the ratio (PySceneDetect's default)
_RATE = 25.0  # cuts are counted in frames; PySceneDetect's timecodes only need some rate


class ShotDetector:
    """Streaming shot detection: :meth:`push` each RGB frame in order, then ask for :meth:`shots`.

    ``probe_footage(..., shots=True)`` feeds one while it decodes, so finding the shots costs no
    second pass over the footage.
    """

    def __init__(
        self,
        *,
        threshold: float = THRESHOLD,
        min_content: float = MIN_CONTENT,
        min_len: int = MIN_LEN,
        width: int = WIDTH,
    ) -> None:
        if threshold <= 1:
            raise ValueError(f"threshold must be > 1 (a ratio to the neighbours), got {threshold}")
        if min_content < 0:
            raise ValueError(f"min_content must be >= 0, got {min_content}")
        if min_len < 1:
            raise ValueError(f"min_len must be at least 1 frame, got {min_len}")
        if width < 16:
            raise ValueError(f"width must be at least 16 px, got {width}")
        self.width = width
        self._detector = AdaptiveDetector(
            adaptive_threshold=threshold,
            min_scene_len=min_len,  # an int: counted in frames, not seconds
            min_content_val=min_content,
            window_width=_WINDOW,
        )
        self._cuts: list[int] = []  # first frame of each shot after the first
        self._size: tuple[int, int] | None = None  # (w, h) of the first frame pushed
        self._n = 0
        self._done = False

    @property
    def frames(self) -> int:
        """How many frames were pushed."""
        return self._n

    def analysis_size(self, width: int, height: int) -> tuple[int, int]:
        """The (w, h) a ``width`` x ``height`` frame is shrunk to (never enlarged); a decoder
        that can scale while converting may hand :meth:`push` frames of this size directly."""
        if width <= self.width:
            return width, height
        return self.width, max(1, round(height * self.width / width))

    def push(self, frame: np.ndarray) -> None:
        """Take the next frame (RGB uint8, H x W x 3; every frame the same size)."""
        if self._done:
            raise RuntimeError("shots() was already called: a ShotDetector is used once")
        h, w = check_rgb(frame).shape[:2]
        if self._size is None:
            self._size = (w, h)
        elif (w, h) != self._size:
            raise ValueError(
                f"frame {self._n} is {w}x{h} but earlier frames are {self._size[0]}x{self._size[1]}"
            )
        size = self.analysis_size(w, h)
        if size != (w, h):
            frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)  # averages, no aliasing
        bgr = cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)
        cuts = self._detector.process_frame(FrameTimecode(self._n, fps=_RATE), bgr)
        self._cuts += [int(t.frame_num) for t in cuts]
        self._n += 1

    def shots(self) -> list[range]:
        """Frame ranges of the shots, in order, covering every frame pushed ([] for none)."""
        if not self._done and self._n:
            last = FrameTimecode(self._n - 1, fps=_RATE)
            self._cuts += [int(t.frame_num) for t in self._detector.post_process(last)]
        self._done = True
        assert self._cuts == sorted(set(self._cuts)) and all(0 < c < self._n for c in self._cuts)
        bounds = [0, *self._cuts, self._n] if self._n else []
        return [range(a, b) for a, b in pairwise(bounds)]


def detect_shots(
    frames: Iterable[np.ndarray],
    *,
    threshold: float = THRESHOLD,
    min_content: float = MIN_CONTENT,
    min_len: int = MIN_LEN,
    width: int = WIDTH,
) -> list[range]:
    """Shot frame ranges covering the whole clip, in order, from RGB uint8 frames.

    ``frames`` is consumed once, one frame at a time (an iterator such as
    :func:`camfuse.media.iter_frames` keeps one frame in memory).
    """
    detector = ShotDetector(
        threshold=threshold, min_content=min_content, min_len=min_len, width=width
    )
    for frame in frames:
        detector.push(frame)
    return detector.shots()
