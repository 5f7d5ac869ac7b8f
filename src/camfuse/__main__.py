"""``python -m camfuse`` and the ``camfuse`` console script.

The command line is imported inside :func:`main`, so Ctrl-C while Python loads it (typer, rich)
exits quietly with 130 instead of printing a traceback; PyTorch loads later, inside the commands,
where the same rule holds.
"""

import sys


def main() -> int:
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted by SIGINT\n")
        return 130
    return run()


if __name__ == "__main__":
    sys.exit(main())
