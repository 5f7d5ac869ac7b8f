"""``camfuse batch``: many shots from a manifest, on Ray (registered on the app).

Parse, validate, dispatch: the work is :func:`camfuse.batch.run_batch`. Shows one overall bar
(shots and frames) and the current shot of every worker; ends with a summary table (also written
as ``OUT/batch-summary.json``); exit 0 only when every shot succeeded (or was already done).
"""

from __future__ import annotations

import typer

from . import options
from .app import app


@app.command()
def batch(
    manifest: str = typer.Argument(
        ..., metavar="MANIFEST", help="The shots: a .yaml or .csv file."
    ),
    out: str = typer.Option(
        ..., "--out", "-o", metavar="DIR", help="Folder for every shot's output."
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        "-w",
        help="Ray workers, each loading the model once (default: one per core locally, "
        "1 on a cluster).",
    ),
    ray_address: str | None = typer.Option(
        None,
        "--ray-address",
        metavar="ADDR",
        help="A running Ray cluster (e.g. 10.0.0.5:6379 or auto); default: a local instance.",
    ),
    cpus_per_worker: int | None = typer.Option(
        None,
        "--cpus-per-worker",
        help="Threads per worker (default: cores / workers locally, 2 on a cluster).",
    ),
    checkpoint: str | None = options.checkpoint(),
    device: str = options.device(),
) -> None:
    """Render every shot of a manifest (resumable: finished shots are skipped)."""
    from rich.console import Console
    from rich.table import Table

    from ..batch import run_batch

    console = Console(stderr=True)
    with _Board(console) as on_update:
        summary = run_batch(
            manifest,
            out,
            workers=workers,
            ray_address=ray_address,
            cpus_per_worker=cpus_per_worker,
            checkpoint=checkpoint,
            device=device,
            on_update=on_update,
            on_invalid=lambda line: console.print(
                f"error: {line}",
                markup=False,
                highlight=False,
                soft_wrap=True,  # one line
            ),
        )
    table = Table(title=f"camfuse batch: {len(summary.results)} shots, {summary.seconds:.0f} s")
    for col in ("shot", "row", "frames", "seconds", "status"):
        table.add_column(col, justify="right" if col in ("row", "frames", "seconds") else "left")
    for r in summary.results:
        status = r.status if r.error is None else f"{r.status}: {r.error}"
        table.add_row(r.shot, str(r.row), str(r.frames), f"{r.seconds:.1f}", status)
    Console().print(table)
    typer.echo(f"summary -> {out}/batch-summary.json")
    if not summary.ok:
        raise typer.Exit(1)


class _Board:
    """One overall bar (shots, frames) and a line per worker (its shot and frame), on a terminal."""

    def __init__(self, console) -> None:
        self.console, self.bar, self.tasks = console, None, {}

    def __enter__(self):
        return self.update

    def update(self, state) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        if not self.console.is_terminal:
            return
        if self.bar is None:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                console=self.console, transient=True)  # fmt: skip
            self.bar.start()
            self.tasks["all"] = self.bar.add_task("shots", total=state.shots)
        frames = state.frames
        self.bar.update(self.tasks["all"], completed=state.done,
                        description=f"shots ({frames} frames)")  # fmt: skip
        for w, (shot, i, n) in sorted(state.workers.items()):
            if w not in self.tasks:
                self.tasks[w] = self.bar.add_task(f"worker {w}", total=max(n, 1))
            text = f"worker {w}: {shot}" if shot else f"worker {w}: idle"
            self.bar.update(self.tasks[w], completed=i, total=max(n, 1), description=text)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
