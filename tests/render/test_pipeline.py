"""Background stages of a render: order kept, errors surface, early stops do not hang."""

from __future__ import annotations

import threading
import time

import pytest

from camfuse.render.pipeline import BackgroundWriter, prefetch


def test_prefetch_yields_everything_in_order_and_runs_ahead():
    produced = []

    def items():
        for i in range(10):
            produced.append(i)
            yield i

    it = prefetch(items(), depth=3)
    assert next(it) == 0
    deadline = time.monotonic() + 5
    while len(produced) < 4 and time.monotonic() < deadline:  # 1 consumed + 3 queued
        time.sleep(0.01)
    assert len(produced) >= 4  # the producer worked ahead of the consumer
    assert len(produced) <= 5  # ... but no further than the queue allows (+1 in hand)
    assert [0, *it] == list(range(10))


def test_prefetch_reraises_the_producers_error_in_the_consumer():
    def items():
        yield 1
        raise KeyError("bad frame")

    it = prefetch(items(), depth=2)
    assert next(it) == 1
    with pytest.raises(KeyError, match="bad frame"):
        next(it)


def test_closing_the_consumer_stops_the_producer():
    before = threading.active_count()
    it = prefetch(iter(range(10**9)), depth=2)
    assert next(it) == 0
    it.close()  # joins the producer thread
    assert threading.active_count() == before
    with pytest.raises(ValueError, match="depth"):
        next(prefetch([], depth=0))


def test_background_writer_writes_in_order_and_surfaces_errors():
    out = []
    w = BackgroundWriter(out.append, depth=2)
    for i in range(20):
        w.put(i)
    w.close()
    assert out == list(range(20))

    def fail(x):
        raise OSError("disk full")

    w = BackgroundWriter(fail, depth=2)
    w.put(1)
    with pytest.raises(OSError, match="disk full"):
        w.close()


def test_background_writer_abort_drops_the_queue_without_hanging():
    gate = threading.Event()
    out = []
    w = BackgroundWriter(lambda x: (gate.wait(5), out.append(x)), depth=4)
    for i in range(4):
        w.put(i)
    gate.set()
    w.abort()
    assert len(out) <= 2  # at most the item in hand (and one racing) was written
