"""The ``camfuse`` Typer app: error handling, logging and the progress bar the commands share.

Every user-facing failure (ValueError and its subclasses MediaError / CheckpointError, usage
errors, OSError) ends as one line ``error: ...`` on stderr and a non-zero exit (2 for bad input,
1 for system errors, 130 for Ctrl-C), never a traceback. Anything else is a bug and keeps its
traceback. Heavy modules (torch, training, Lightning) are imported inside the commands that need
them, so ``camfuse --help`` is instant and ``render`` never imports training code.

The commands themselves live one group per module (``render``, ``train``, ``evaluate``, ``export``)
and register on :data:`app` when :mod:`camfuse.cli` is imported; this module imports none of them.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

log = logging.getLogger("camfuse")


app = typer.Typer(
    name="camfuse",
    help="Painting + live-action footage -> painterly animation.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

data_app = typer.Typer(help="Training data on disk.", no_args_is_help=True)

app.add_typer(data_app, name="data")


def main(argv: list[str] | None = None) -> int:
    """Console-script entry: returns the exit code (0 on success).

    SIGTERM and SIGHUP are handled like Ctrl-C: the work stops, partial outputs are removed, and
    the exit code is 128 + the signal's number (130 for Ctrl-C). Before this runs, the entry point
    (:mod:`camfuse.__main__`) has made them quiet while the command line loads."""
    argv = list(sys.argv[1:] if argv is None else argv)
    with _signals_as_interrupts() as received:
        try:
            code = _run(argv)
        except KeyboardInterrupt:  # outside the command (typer turns it into 130 inside)
            code = 130
        if code == 130:
            signum = received[-1] if received else signal.SIGINT
            _fail(f"interrupted by {signal.Signals(signum).name}", 0)
            code = 128 + signum
    return code


def _run(argv: list[str]) -> int:
    command = typer.main.get_command(app)
    try:
        try:
            rv = command.main(args=argv, prog_name="camfuse", standalone_mode=False)
        except typer.TyperException as exc:
            if type(exc).__name__ != "NoArgsIsHelpError":  # a bare `camfuse` or `camfuse data`
                raise
            rv = command.main(args=[*argv, "--help"], prog_name="camfuse", standalone_mode=False)
    except typer.TyperException as exc:  # click's usage errors: unknown option, not an integer, ...
        return _fail(
            exc.format_message() if hasattr(exc, "format_message") else str(exc),
            getattr(exc, "exit_code", 2),
        )
    except typer.Abort:
        return _fail("aborted", 1)
    except ValueError as exc:  # MediaError, CheckpointError and plain bad values from below
        return _fail(str(exc), 2)
    except OSError as exc:  # disk full, permission denied: the system's fault, not the input's
        return _fail(
            f"{exc.strerror or exc.__class__.__name__}: {exc.filename or ''}".rstrip(": "), 1
        )
    return rv if isinstance(rv, int) else 0


@contextmanager
def _signals_as_interrupts() -> Iterator[list[int]]:
    """While the command runs, SIGINT, SIGTERM and SIGHUP raise KeyboardInterrupt in the main
    thread, so they take Ctrl-C's clean-up path; yields the list of signals received. A signal
    the process inherited as ignored (``nohup``, a background job) stays ignored."""
    received: list[int] = []

    def interrupt(signum, _frame) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield received  # signal handlers can only be set from the main thread
        return
    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {
        s: signal.signal(s, interrupt) for s in handled if signal.getsignal(s) is not signal.SIG_IGN
    }
    try:
        yield received
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"error: {' '.join(str(message).split())}\n")
    return code


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is now (tests swap it), one line per record."""

    def emit(self, record: logging.LogRecord) -> None:
        sys.stderr.write(f"{record.levelname.lower()}: {' '.join(record.getMessage().split())}\n")


_HANDLER = _StderrHandler()


def _version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"camfuse {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Log progress details (INFO) to stderr."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    if _HANDLER not in log.handlers:
        log.addHandler(_HANDLER)
    log.setLevel(logging.INFO if verbose else logging.WARNING)
    log.propagate = False


class _RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        return Text(f"{task.speed or 0:.1f} frames/s", style="progress.data.speed")


class progress:
    """A rich progress bar on stderr, created on the first update (so errors print alone); off
    when stderr is not a terminal."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.console = Console(stderr=True)
        self.bar: Progress | None = None
        self.task = None

    def __enter__(self):
        return self.update

    def update(self, done: int, total: int, loss: float | None = None) -> None:
        """``loss``: shown beside the description (adaptation steps)."""
        if not self.console.is_terminal:
            return
        if self.bar is None:
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                _RateColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.description, total=total)
        text = self.description if loss is None else f"{self.description} (loss {loss:.4f})"
        self.bar.update(self.task, completed=done, total=total, description=text)
        if done >= total:  # one live display at a time: make room for the next bar
            self.bar.stop()
            self.bar = None

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
