"""Many shots on Ray: one actor per worker holds the model; each shot is one call to it.

:func:`run_batch` reads and checks the manifest (:mod:`camfuse.batch.manifest`), skips the shots
already done (their output exists and the record beside it, ``OUT/.camfuse-batch/<name>.json``,
holds the same hash of inputs and settings), then starts Ray: locally (``ray.init`` with
``workers`` CPUs, by default one per core: each worker gets ``cores / workers`` threads; on
2 cores two one-thread workers rendered 25 % (``--adapt off``) and 20 % (``auto``) more shots per
hour than one two-thread worker, docs/performance.md) or on a running cluster
(``ray_address``: every node needs camfuse installed and the paths on shared storage), with
Ray's own messages in ``OUT/.camfuse-batch/ray.log`` (:mod:`camfuse.batch.session`). Each worker
is a :class:`ShotRenderer` actor that loads the model once and renders shot after shot with
:func:`camfuse.render.render` (the CLI's own function; outputs are staged and renamed, so a killed
worker leaves no half-written shot). A shot's failure (its error line) is recorded and the others
go on. Progress: workers report (shot, frame, frames) to a small actor the driver polls.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..media import write_atomic
from .manifest import Shot, check_shots, read_manifest
from .paths import RAY_LOG, RECORDS, SUMMARY
from .session import ray_session

log = logging.getLogger(__name__)


@dataclass
class ShotResult:
    shot: str
    row: int
    status: str  # "done" | "skipped" | "failed"
    frames: int = 0
    seconds: float = 0.0
    worker: int | None = None
    error: str | None = None


@dataclass
class Progress:
    """What the driver knows while shots run: per worker (shot, frame, frames), and totals."""

    shots: int
    done: int = 0
    frames_done: int = 0
    workers: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    finished: set[str] = field(default_factory=set)

    @property
    def frames(self) -> int:
        """Frames rendered so far: finished shots' and the running shots' progress."""
        running = sum(
            i for shot, i, _ in self.workers.values() if shot and shot not in self.finished
        )
        return self.frames_done + running


@dataclass
class BatchSummary:
    results: list[ShotResult]
    seconds: float
    workers: int

    @property
    def ok(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    def to_json(self) -> str:
        return json.dumps(
            {"workers": self.workers, "seconds": round(self.seconds, 2),
             "shots": [asdict(r) for r in self.results]}, indent=1)  # fmt: skip


def run_batch(
    manifest: str | Path,
    out_dir: str | Path,
    *,
    workers: int | None = None,
    ray_address: str | None = None,
    cpus_per_worker: int | None = None,
    checkpoint: str | None = None,
    device: str = "auto",
    on_update: Callable[[Progress], None] | None = None,
    on_invalid: Callable[[str], None] | None = None,
) -> BatchSummary:
    """Render every shot of ``manifest`` into ``out_dir``; see the module docstring."""
    if workers is None:
        workers = (os.cpu_count() or 1) if ray_address is None else 1
    if workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers}")
    out_dir = Path(out_dir)
    if not out_dir.parent.is_dir():
        raise ValueError(f"output folder's parent does not exist: {out_dir.parent}")
    start = time.perf_counter()
    shots = read_manifest(manifest, out_dir, model=checkpoint)
    out_dir.mkdir(exist_ok=True)
    for s in shots:
        s.out.parent.mkdir(parents=True, exist_ok=True)
    settings = {"checkpoint": checkpoint, "device": device}
    errors = check_shots(shots, settings)
    for line in errors.values():
        if on_invalid:
            on_invalid(line)
    by_name = {s.name: s for s in shots}
    results: dict[str, ShotResult] = {
        name: ShotResult(name, by_name[name].row, "failed", error=line)
        for name, line in errors.items()
    }
    todo = []
    for s in shots:
        if s.name in errors:
            continue
        digest = s.digest(settings)
        record = _read_record(out_dir, s.name)
        if record and record.get("hash") == digest and (s.out.exists()):
            results[s.name] = ShotResult(s.name, s.row, "skipped", record.get("frames", 0))
        else:
            todo.append((s, digest))
    if todo:
        for r in _run_on_ray(todo, out_dir, workers, ray_address, cpus_per_worker, settings,
                             on_update):  # fmt: skip
            results[r.shot] = r
    ordered = [results[s.name] for s in shots]
    summary = BatchSummary(ordered, time.perf_counter() - start, workers)
    write_atomic(out_dir / SUMMARY, summary.to_json())
    return summary


def _run_on_ray(todo, out_dir, workers, address, cpus, settings, on_update) -> list[ShotResult]:
    import ray
    from ray.util import ActorPool

    local = address is None
    with ray_session(address, workers, out_dir / RECORDS / RAY_LOG):
        gpus = ray.cluster_resources().get("GPU", 0)
        per = cpus or (max(1, (os.cpu_count() or 1) // workers) if local else 2)
        renderer = ray.remote(num_cpus=1 if local else per, num_gpus=1 if gpus else 0)(ShotRenderer)
        progress = ray.remote(num_cpus=0)(_ProgressBoard).remote()
        actors = [renderer.remote(w, per, settings, progress) for w in range(workers)]
        pool = ActorPool(actors)
        for shot, digest in todo:
            pool.submit(lambda a, job: a.render.remote(*job), (_plain(shot), digest))
        state = Progress(shots=len(todo))
        digests = {shot.name: digest for shot, digest in todo}
        results = []
        while pool.has_next():
            try:
                r = ShotResult(**pool.get_next_unordered(timeout=0.5))
            except TimeoutError:
                state.workers = {
                    w: (shot, i, n) if shot not in state.finished else ("", 0, 0)
                    for w, (shot, i, n) in ray.get(progress.snapshot.remote()).items()
                }
                if on_update:
                    on_update(state)
                continue
            results.append(r)
            state.done += 1
            state.frames_done += r.frames
            state.finished.add(r.shot)
            if r.worker is not None:  # idle until the board hears of its next shot
                state.workers[r.worker] = ("", 0, 0)
            if r.status == "done":
                _write_record(out_dir, r.shot, digests[r.shot], r)
            if on_update:
                on_update(state)
        return results


class ShotRenderer:
    """A Ray worker: the model loaded once, then shot after shot (wrapped by ``ray.remote``)."""

    def __init__(self, worker: int, threads: int, settings: dict[str, Any], progress) -> None:
        import torch

        from ..checkpoint import load_model
        from ..render.runtime import prepare_for_inference, resolve_device

        torch.set_num_threads(threads)
        self.worker, self.settings, self.progress = worker, settings, progress
        self.model, _ = load_model(settings["checkpoint"], resolve_device(settings["device"]))
        prepare_for_inference(self.model, channels_last=True)

    def render(self, shot: dict[str, Any], digest: str) -> dict[str, Any]:
        from ..render import render

        start = time.perf_counter()
        name = shot["name"]

        def report(i: int, n: int) -> None:
            if i == 1 or i == n or i % 8 == 0:
                self.progress.update.remote(self.worker, name, i, n)

        try:
            summary = render(shot["painting"], shot["footage"], shot["out"], model=self.model,
                             on_progress=report, overwrite=True, **self.settings,
                             **shot["options"])  # fmt: skip
        except (ValueError, OSError) as exc:
            return asdict(ShotResult(name, shot["row"], "failed", worker=self.worker,
                                     error=f"row {shot['row']} ({name}): {str(exc).splitlines()[0]}"))  # fmt: skip
        finally:
            self.progress.update.remote(self.worker, "", 0, 0)
        return asdict(ShotResult(name, shot["row"], "done", summary.frames,
                                 round(time.perf_counter() - start, 2), self.worker))  # fmt: skip


class _ProgressBoard:
    """worker -> (shot, frame, frames), written by workers and read by the driver."""

    def __init__(self) -> None:
        self.state: dict[int, tuple[str, int, int]] = {}

    def update(self, worker: int, shot: str, i: int, n: int) -> None:
        self.state[worker] = (shot, i, n)

    def snapshot(self) -> dict[int, tuple[str, int, int]]:
        return dict(self.state)


def _plain(shot: Shot) -> dict[str, Any]:
    painting, footage, out, opts = shot.render_args()
    return {"name": shot.name, "row": shot.row, "painting": painting, "footage": str(footage),
            "out": str(out), "options": opts}  # fmt: skip


def _read_record(out_dir: Path, name: str) -> dict | None:
    path = out_dir / RECORDS / f"{name}.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_record(out_dir: Path, name: str, digest: str, result: ShotResult) -> None:
    (out_dir / RECORDS).mkdir(exist_ok=True)
    record = {"hash": digest, "frames": result.frames, "seconds": result.seconds}
    write_atomic(out_dir / RECORDS / f"{name}.json", json.dumps(record))


__all__ = ["BatchSummary", "Progress", "ShotRenderer", "ShotResult", "run_batch"]
