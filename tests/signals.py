"""Children of the tests start with the signal dispositions of a terminal, whatever the runner's.

A shell's background job ignores SIGINT, and ``nohup make test`` ignores SIGHUP; children inherit
ignored signals (camfuse keeps an inherited ignore on purpose: ``nohup camfuse render``), so a test
that sends one would see it ignored. Used as ``preexec_fn``.
"""

from __future__ import annotations

import signal


def as_in_a_terminal() -> None:
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)
