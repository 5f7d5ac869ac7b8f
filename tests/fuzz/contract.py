"""Run one fuzz case and check the README's contract.

For every case: no traceback, no hang, no stray output on stderr (only ``error:`` / ``warning:``
/ ``info:`` lines), inputs byte-identical, no temporary left, nothing new outside the folder the
case may write (``writes_within``). A failure exits 2 (bad input), 1 (system error) or
128 + signal (the case's ``expect_code`` when it has one), prints exactly one ``error:`` line and
leaves nothing at ``--out``; a success exits 0 and writes ``--out``.

An interrupted case runs in a subprocess and gets its signal once it is known to be at work: a
temporary output has appeared (a render), or stderr has a given line (adaptation has begun).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from tests.signals import as_in_a_terminal

from .cases import Case

TIMEOUT = 180  # s per case: far above any case's run time on 2 cores; reaching it is a hang


@dataclass
class Outcome:
    case: str
    code: int | None
    seconds: float
    problems: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def snapshot(paths: list[Path]) -> dict[str, str]:
    """sha256 of every file under ``paths`` (links recorded, never followed: loops are inputs)."""
    found = {}
    for root in paths:
        items = [root] if root.is_file() or root.is_symlink() else sorted(root.rglob("*"))
        for p in items:
            if p.is_symlink():
                found[str(p)] = "link:" + os.readlink(p)
            elif p.is_file():
                found[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return found


def present(p: Path) -> bool:
    """Whether anything (a file, folder or link, even a dangling one) is at ``p``."""
    return os.path.lexists(p)  # False, not an error, for a name too long


def leftovers(dirs: list[Path]) -> list[str]:
    return [
        str(p) for d in dirs for p in d.rglob("*") if ".camfuse-" in p.name or ".partial" in p.name
    ]


class _Hang(Exception):
    pass


def _in_process(argv: list[str]) -> tuple[int | None, str, list[str]]:
    from camfuse.cli import main

    err = io.StringIO()

    def alarm(*_):
        raise _Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(TIMEOUT)
    try:
        with contextlib.redirect_stderr(err), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                code = main(argv)
            except _Hang:
                return None, err.getvalue(), ["hang"]
            except BaseException as exc:  # noqa: BLE001  a traceback is what we are looking for
                return 1, err.getvalue() + f"\nTraceback: {exc!r}", []
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    noise = [f"{w.category.__name__}: {w.message}" for w in caught if _user_visible(w)]
    return code, err.getvalue(), noise


def _user_visible(w: warnings.WarningMessage) -> bool:
    """Warnings the user would see in a terminal (pytest's own filters are bypassed here)."""
    return not issubclass(w.category, DeprecationWarning | PendingDeprecationWarning)


def _subprocess(case: Case) -> tuple[int | None, str, list[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "camfuse", *case.argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **case.env},
        preexec_fn=as_in_a_terminal,  # not the runner's ignored SIGINT / SIGHUP
    )
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in proc.stderr:
            lines.append(line)
            if case.wait_for and case.wait_for in line:
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + TIMEOUT
    watch = case.out.parent if case.out else case.dirs[0]
    while time.monotonic() < deadline and proc.poll() is None:
        if case.wait_for:
            if seen.wait(0.02):
                break
        elif any(".camfuse-" in p.name for p in watch.iterdir()):
            time.sleep((zlib.crc32(case.name.encode()) % 10) / 20)  # somewhere into the render
            break
        else:
            time.sleep(0.02)
    if proc.poll() is None:
        proc.send_signal(case.signal)
    try:
        proc.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        reader.join()
        return None, "".join(lines), ["hang"]
    reader.join()
    return proc.returncode, "".join(lines), []


def _new_paths(dirs: list[Path], before: set[str]) -> set[str]:
    return {str(p) for d in dirs for p in d.rglob("*")} - before


def run_case(case: Case) -> Outcome:
    before = snapshot(case.inputs)
    existing = {str(p) for d in case.dirs for p in d.rglob("*")}
    out_existed = case.out is not None and present(case.out)
    start = time.perf_counter()
    code, err, problems = _subprocess(case) if case.signal else _in_process(case.argv)
    outcome = Outcome(case.name, code, time.perf_counter() - start, list(problems))
    lines = err.strip().splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    outcome.error = errors[0] if errors else ""
    p = outcome.problems
    if "Traceback" in err:
        p.append("traceback: " + err.strip().splitlines()[-1][:200])
    if stray := [line for line in lines if not line.startswith(("error: ", "warning: ", "info: "))]:
        p.append(f"stray stderr: {stray[0][:120]}")
    allowed = {0, 1, 2} | ({128 + case.signal} if case.signal else set())
    if code is not None and code not in allowed:
        p.append(f"exit code {code}")
    if case.expect_code is not None and code is not None and code != case.expect_code:
        p.append(f"exit code {code}, not {case.expect_code}")
    if code not in (0, None):
        if len(errors) != 1:
            p.append(f"{len(errors)} error lines")
        if case.out is not None and not out_existed and present(case.out):
            p.append("output left after a failure")
    if code == 0:
        if errors:
            p.append("error line on success")
        if case.out is not None and not present(case.out):
            p.append("success without output")
    if case.expect_ok is False and code == 0:
        p.append("signal ignored" if case.signal else "accepted although it must be refused")
    if case.expect_ok is True and code != 0:
        p.append("refused although valid")
    if left := leftovers(case.dirs):
        p.append(f"temporary left: {left[0]}")
    if case.writes_within is not None:
        root = str(case.writes_within)
        new = _new_paths(case.dirs, existing)
        if outside := sorted(q for q in new if q != root and not q.startswith(root + os.sep)):
            p.append(f"wrote outside {case.writes_within}: {outside[0]}")
    if snapshot(case.inputs) != before:
        p.append("an input changed")
    return outcome
