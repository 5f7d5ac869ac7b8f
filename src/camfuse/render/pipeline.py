"""Overlap the stages of a render: decoding, guide flow, inference and encoding run concurrently.

Video decoding (PyAV), optical flow (OpenCV) and encoding release the GIL, so a producer thread
per stage keeps them busy while PyTorch runs the model. Queues are bounded: memory stays one
queue's worth of frames per stage, whatever the length of the shot. An exception in a stage
is re-raised in the consumer; closing the consumer stops the producer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

X = TypeVar("X")
_DONE = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(items: Iterable[X], depth: int) -> Iterator[X]:
    """Yield ``items`` in order while a background thread computes up to ``depth`` ahead."""
    if depth < 1:
        raise ValueError(f"prefetch depth must be >= 1, got {depth}")
    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(x: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(x, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for x in items:
                if not put(x):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(_Failed(exc))

    thread = threading.Thread(target=produce, name="camfuse-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            x = q.get()
            if x is _DONE:
                return
            if isinstance(x, _Failed):
                raise x.exc
            yield x
    finally:
        stop.set()
        thread.join()


class BackgroundWriter:
    """Calls ``write(x)`` for each :meth:`put` item on a background thread (bounded queue).

    :meth:`close` waits for the queue to drain and re-raises a writer error; :meth:`abort` drops
    what is queued. A failure surfaces on the next :meth:`put` at the latest.
    """

    def __init__(self, write: Callable[[Any], None], depth: int) -> None:
        self._write = write
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="camfuse-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            x = self._q.get()
            if x is _DONE:
                return
            if self._error is None:
                try:
                    self._write(x)
                except BaseException as exc:  # re-raised in the caller's thread
                    self._error = exc

    def put(self, x: Any) -> None:
        self._raise()
        self._q.put(x)

    def close(self) -> None:
        self._q.put(_DONE)
        self._thread.join()
        self._raise()

    def abort(self) -> None:
        self._error = self._error or RuntimeError("aborted")
        while True:  # drop what is queued so the thread reaches the end marker
            try:
                self._q.get_nowait()
            except queue.Empty:
                break
        self._q.put(_DONE)
        self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error


__all__ = ["BackgroundWriter", "prefetch"]
