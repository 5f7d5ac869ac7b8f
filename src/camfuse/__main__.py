"""``python -m camfuse`` and the ``camfuse`` console script: signals first, then the command line.

The first thing :func:`main` does, before the command line (typer, rich) or PyTorch loads, is to
make Ctrl-C, SIGTERM and SIGHUP quiet: until the command runs they end the process at once with
``error: interrupted by SIGINT`` (...) and 128 + the signal's number; nothing is written yet, so
nothing needs cleaning up. :func:`camfuse.cli.main` then turns them into KeyboardInterrupt while
the command runs, so it can remove its partial outputs. Before that first line -- while the
interpreter starts and imports the ``camfuse`` package (its ``__init__`` alone) -- Python's own
Ctrl-C handling applies, and a Ctrl-C there can still print Python's traceback.

A signal the process inherited as ignored (``nohup`` ignores SIGHUP, a shell's background job
SIGINT) stays ignored.

``CAMFUSE_PAUSE_AT=STAGE:FILE`` (for tests): on reaching ``STAGE`` of start-up (``start``: the
handlers are set, nothing else is loaded; ``cli``: the command line is loaded), create FILE and
wait there for a signal, so a test interrupts a known stage instead of guessing a delay.
"""

import os
import signal
import sys

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry: returns the exit code."""
    _quiet_signals()
    _reached("start")
    from .cli import main as run

    _reached("cli")
    try:
        return run(argv)
    except KeyboardInterrupt:  # between the command's own handling and here: still quiet
        sys.stderr.write("error: interrupted by SIGINT\n")
        return 130


def _quiet_signals() -> None:
    for s in SIGNALS:
        if signal.getsignal(s) is not signal.SIG_IGN:
            signal.signal(s, _exit_quietly)


def _exit_quietly(signum: int, _frame) -> None:
    os.write(2, f"error: interrupted by {signal.Signals(signum).name}\n".encode())
    os._exit(128 + signum)  # nothing written yet: no clean-up to run


def _reached(stage: str) -> None:
    name, _, marker = os.environ.get("CAMFUSE_PAUSE_AT", "").partition(":")
    if name == stage and marker:
        with open(marker, "w"):
            pass
        signal.pause()


if __name__ == "__main__":
    sys.exit(main())
