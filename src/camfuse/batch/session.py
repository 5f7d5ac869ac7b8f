"""Ray for a batch: started (or joined) with its own messages in a log file, not the terminal.

The terminal carries camfuse's progress and its ``error:`` / ``warning:`` lines only. Ray's
start-up notices (for example, since Ray 2.5x, "Token authentication is enabled for this Ray
cluster ..." on every local start) and anything its driver logs while the batch runs go to
``log_file`` instead: the ``ray`` logger's handlers are swapped for a file while the session
lasts, and around ``ray.init`` itself the process's stderr (fd 2, which the C++ core writes to)
and Python's warnings are sent there too. Ray's own processes keep their logs in its session
folder (``/tmp/ray/session_latest/logs``).

Authentication is Ray's default, unchanged: a local instance turns token authentication on and
keeps its token in ``~/.ray/auth_token``. A cluster started with ``RAY_AUTH_MODE=token`` needs the
same variable and its token (``RAY_AUTH_TOKEN``, or a file at ``RAY_AUTH_TOKEN_PATH`` or
``~/.ray/auth_token``) in the environment of ``camfuse batch``; without them ``ray.init`` fails,
and that failure is one ``error:`` line naming the log file.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)


@contextmanager
def ray_session(address: str | None, workers: int, log_file: Path) -> Iterator[None]:
    """``ray.init`` (a local instance of ``workers`` CPUs when ``address`` is None), then
    ``ray.shutdown`` at the end; a session already running in this process is used as it is."""
    import ray

    log_file.parent.mkdir(parents=True, exist_ok=True)
    with _ray_logger_to(log_file):
        started = not ray.is_initialized()
        if started:
            _init(ray, address, workers, log_file)
        try:
            yield
        finally:
            if started:
                ray.shutdown()


def _init(ray, address: str | None, workers: int, log_file: Path) -> None:
    where = "a local Ray instance" if address is None else f"the Ray cluster at {address}"
    log.info("starting %s; Ray's messages -> %s", where, log_file)
    try:
        with _stderr_to(log_file):
            ray.init(
                address=address,
                num_cpus=workers if address is None else None,
                include_dashboard=False,
                log_to_driver=False,  # workers' output stays in Ray's session logs
                logging_level=logging.WARNING,
                configure_logging=False,  # the ray logger is ours to route (above)
                runtime_env={"env_vars": {"PYTHONWARNINGS": "ignore"}},
            )
    except (ray.exceptions.RayError, ConnectionError, RuntimeError, ValueError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        message = f"could not start {where}: {first} (Ray's messages: {log_file})"
        if address is None:
            raise OSError(errno.EIO, message) from None  # the machine's fault: exit 1
        raise ValueError(message) from None  # --ray-address or its credentials: exit 2


@contextmanager
def _ray_logger_to(log_file: Path) -> Iterator[None]:
    ray_logger = logging.getLogger("ray")
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    saved = ray_logger.handlers[:]
    ray_logger.handlers = [handler]
    try:
        yield
    finally:
        ray_logger.handlers = saved
        handler.close()


@contextmanager
def _stderr_to(log_file: Path) -> Iterator[None]:
    """fd 2 and Python's warnings into ``log_file`` (restored on the way out, Ctrl-C included)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(log_file, "ab") as f:
            os.dup2(f.fileno(), 2)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    with open(log_file, "a", encoding="utf-8") as f:
        for w in caught:
            f.write(f"{w.category.__name__}: {w.message}\n")


__all__ = ["ray_session"]
