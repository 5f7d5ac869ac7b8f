"""Window schedule for streaming inference over footage of any length.

The model sees ``window`` frames at a time (the T it was trained on). Windows start every
``window - overlap`` frames; when the footage does not divide evenly, the last window is moved back
to end on the last frame, so every window is full length (the model never sees a shorter clip than
it was trained on) and the footage is covered exactly. Footage shorter than one window is a single
window of all its frames.

Frames seen by two windows are crossfaded linearly: across an overlap of L frames the earlier
window's weight falls (L/(L+1), ..., 1/(L+1)) while the later one's rises (1/(L+1), ..., L/(L+1)),
so the seam is spread over the overlap instead of showing as a jump. Weights are normalised per
frame, so they sum to 1 even where three windows meet (overlap > window / 2).

:func:`blend_windows` runs a function over the windows while pulling frames lazily: at most one
window of input frames and one window of blended outputs are held at any time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

X = TypeVar("X")


@dataclass(frozen=True)
class Window:
    start: int  # first frame index
    stop: int  # one past the last frame index
    weights: tuple[float, ...]  # per-frame blend weights; over all windows they sum to 1 per frame

    def __len__(self) -> int:
        return self.stop - self.start


# Frames shared by consecutive windows unless ``--overlap`` says otherwise: none. With the bundled
# model, overlapping windows by a quarter (one frame in four) gave the same frames after rounding
# to 8 bits on bench_default's clip (its temporal attention does nothing measurable,
# docs/results.md; tests/test_bundled_model.py checks it on a tiny clip) at 14 % of the whole render's time (17.5 s
# against 15.0 s). A model whose windows do influence their frames should be run with an overlap.
DEFAULT_OVERLAP = 0


def plan_windows(n: int, window: int, overlap: int) -> list[Window]:
    """Windows covering frames ``0..n-1``; see the module docstring for the scheme."""
    if n < 1:
        raise ValueError(f"nothing to render: {n} frames")
    if window < 1:
        raise ValueError(f"window must be at least 1 frame, got {window}")
    if not 0 <= overlap < window:
        raise ValueError(f"overlap must be in [0, window-1] = [0, {window - 1}], got {overlap}")
    if n <= window:
        return [Window(0, n, (1.0,) * n)]
    starts = list(range(0, n - window + 1, window - overlap))
    if starts[-1] + window < n:
        starts.append(n - window)
    spans = [(s, s + window) for s in starts]
    raw = []
    for k, (s, e) in enumerate(spans):
        rise = spans[k - 1][1] - s if k > 0 else 0  # frames shared with the previous window
        fall = e - spans[k + 1][0] if k + 1 < len(spans) else 0  # ... and with the next one
        raw.append(
            [min(1.0, (i + 1) / (rise + 1), (window - i) / (fall + 1)) for i in range(window)]
        )
    total = [0.0] * n
    for (s, _), ws in zip(spans, raw, strict=True):
        for i, w in enumerate(ws):
            total[s + i] += w
    return [
        Window(s, e, tuple(w / total[s + i] for i, w in enumerate(ws)))
        for (s, e), ws in zip(spans, raw, strict=True)
    ]


def blend_windows(
    frames: Iterable[X], plan: Sequence[Window], fn: Callable[[Window, list[X]], Sequence[Any]]
) -> Iterator[Any]:
    """Yield blended outputs frame by frame: ``sum_k w_k(t) * fn(window_k, frames)[t - start_k]``.

    ``frames`` is consumed lazily, only as far as the window being processed; outputs must support
    ``float * y`` and ``y + y`` (torch tensors, numpy arrays). Each frame is yielded once, in order,
    as soon as no later window covers it.
    """
    source = iter(frames)
    buffer: deque[X] = deque()
    first = 0  # frame index of buffer[0]
    pending: dict[int, Any] = {}
    emitted = 0
    for k, win in enumerate(plan):
        while first + len(buffer) < win.stop:
            try:
                buffer.append(next(source))
            except StopIteration:
                raise ValueError(
                    f"frame source ended after {first + len(buffer)} frames; expected {plan[-1].stop}"
                ) from None
        while first < win.start:  # windows start in order: earlier frames are never needed again
            buffer.popleft()
            first += 1
        outputs = fn(win, list(buffer)[: len(win)])
        assert len(outputs) == len(win), (len(outputs), len(win))
        for i, (w, y) in enumerate(zip(win.weights, outputs, strict=True)):
            t = win.start + i
            pending[t] = pending[t] + w * y if t in pending else w * y
        done = plan[k + 1].start if k + 1 < len(plan) else win.stop
        while emitted < done:
            yield pending.pop(emitted)
            emitted += 1
