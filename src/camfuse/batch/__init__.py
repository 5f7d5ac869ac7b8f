"""``camfuse batch``: many shots from one manifest, on Ray, resumable.

- ``manifest``: YAML/CSV shots, defaults, type checks naming the row, the render's own checks.
- ``paths``: plain names inside ``--out``; no output over an input or another shot's output.
- ``runner``: Ray workers that load the model once; skips, failures, records and the summary.
- ``session``: Ray started or joined with its own messages in a log file, not the terminal.
"""

from .manifest import ManifestError, Shot, check_shots, read_manifest
from .runner import BatchSummary, Progress, ShotResult, run_batch

__all__ = [
    "BatchSummary",
    "ManifestError",
    "Progress",
    "Shot",
    "ShotResult",
    "check_shots",
    "read_manifest",
    "run_batch",
]
