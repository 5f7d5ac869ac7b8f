"""Issue 12's findings, one test each: outputs never touch inputs or a user's files, every failure
is one line, interruptions (SIGINT, SIGTERM, SIGHUP) and failures leave nothing behind."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from camfuse.media import write_image
from tests.cli.common import listing, render_args, run
from tests.footage import make_clip
from tests.signals import as_in_a_terminal


def digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted([path] if path.is_file() else path.rglob("*")):
        h.update(str(p.relative_to(path.parent)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def one_error_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def split(tmp_path) -> Path:
    from camfuse.data.splits import write_split

    return write_split(tmp_path / "split", samples=2, frames=2, size=32, seed=3)


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_evaluate_never_writes_over_its_data_or_painting(media, split, tmp_path, capsys, overwrite):
    before = digest(split)
    ckpt = media / "tiny.safetensors"
    code, _, err = run(
        capsys,
        "evaluate",
        "--data",
        split,
        "--out",
        split,
        "-c",
        ckpt,
        "-b",
        "identity",
        *overwrite,
    )
    assert code == 2 and "would overwrite the input" in one_error_line(err)
    assert digest(split) == before
    footage = media / "frames"
    painting = tmp_path / "paint.png"
    painting.write_bytes((media / "paint.png").read_bytes())
    before = digest(painting)
    args = ["evaluate", "--data", footage, "--painting", painting, "-c", ckpt, "-b", "identity"]
    code, _, err = run(capsys, *args, "--out", painting, *overwrite)
    assert code == 2 and "would overwrite the input" in one_error_line(err)
    assert digest(painting) == before
    code, _, err = run(capsys, *args, "--out", footage / "report", *overwrite)
    assert code == 2 and "inside the input folder" in one_error_line(err)


def test_evaluate_overwrite_refuses_a_folder_it_did_not_write(media, split, tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    code, _, err = run(
        capsys, "evaluate", "--data", split, "--out", mine, "-c", media / "tiny.safetensors",
        "-b", "identity", "--overwrite",
    )  # fmt: skip
    assert code == 2 and "did not write" in one_error_line(err)
    assert (mine / "notes.txt").read_text() == "keep me"


def test_render_never_deletes_a_users_partial_or_old_folder(media, tmp_path, capsys):
    for name in (".frames.partial", ".frames.old", ".out.partial.mp4"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text("mine")
    for out in ("frames", "frames", "out.mp4"):  # the second frames render replaces the first
        code, _, err = run(capsys, *render_args(media, "clip.mp4", tmp_path / out, "--style",
                                                "--overwrite"))  # fmt: skip
        assert code == 0, err
    for name in (".frames.partial", ".frames.old", ".out.partial.mp4"):
        assert (tmp_path / name / "keep.txt").read_text() == "mine"
    assert not [p for p in tmp_path.iterdir() if ".camfuse-" in p.name]


def test_out_inside_the_footage_folder_is_refused(media, tmp_path, capsys):
    footage = tmp_path / "live"
    footage.mkdir()
    for i in range(4):
        write_image(footage / f"{i}.png", np.full((32, 32, 3), 40 * i, np.uint8))
    before = digest(footage)
    for out in (footage / "out.mp4", footage / "rendered"):
        args = render_args(media, "clip.mp4", out, "--style")
        args[args.index("--footage") + 1] = footage
        code, _, err = run(capsys, *args)
        assert code == 2 and "inside the input folder" in one_error_line(err)
    assert digest(footage) == before


@pytest.mark.parametrize("which", ["--footage", "--painting", "--out"])
def test_a_symlink_loop_is_one_line(media, tmp_path, capsys, which):
    loop = tmp_path / "loop.mp4"
    loop.symlink_to(tmp_path / "loop2.mp4")
    (tmp_path / "loop2.mp4").symlink_to(loop)
    args = render_args(media, "clip.mp4", tmp_path / "out.mp4", "--style")
    args[args.index(which) + 1] = loop if which != "--painting" else loop.with_suffix(".png")
    if which == "--painting":
        (tmp_path / "loop.png").symlink_to(tmp_path / "loop2.png")
        (tmp_path / "loop2.png").symlink_to(tmp_path / "loop.png")
    code, _, err = run(capsys, *args)
    assert code == 2, err
    one_error_line(err)
    assert not (tmp_path / "out.mp4").exists()


@pytest.mark.parametrize("fps", ["1e-4", "0", "nan", "1000"])
def test_an_unusable_fps_is_refused_before_rendering(media, tmp_path, capsys, fps):
    code, _, err = run(capsys, *render_args(media, "clip.mp4", tmp_path / "o.mp4", "--style",
                                            "--fps", fps))  # fmt: skip
    assert code == 2 and "--fps" in one_error_line(err)
    assert listing(tmp_path) == set()


def test_a_failing_writer_stops_and_joins_every_background_thread(media, tmp_path, monkeypatch):
    import camfuse.media.writers as writers
    from camfuse.render import render

    real = writers.FrameFolderWriter.write
    count = []

    def full_disk(self, frame):
        count.append(1)
        if len(count) > 2:
            raise OSError(28, "No space left on device")
        real(self, frame)

    monkeypatch.setattr(writers.FrameFolderWriter, "write", full_disk)
    with pytest.raises(OSError, match="No space"):
        render(media / "paint.png", media / "clip.mp4", tmp_path / "frames", keyframe=0,
               checkpoint=media / "tiny.safetensors", device="cpu", window=2, overlap=0)  # fmt: skip
    alive = [t.name for t in threading.enumerate() if t.name.startswith("camfuse-")]
    assert alive == []  # before the fix they lived on until exit, and could abort it (SIGABRT)
    assert listing(tmp_path) == set()


def test_stale_temporaries_of_killed_runs_are_removed_and_live_ones_kept(tmp_path):
    from camfuse.media import staged_output

    out = tmp_path / "out.mp4"
    dead = tmp_path / ".out.camfuse-999999999-0123abcd.partial.mp4"  # no such process
    live = tmp_path / f".out.camfuse-{os.getppid()}-0123abcd.partial.mp4"  # a running process
    users = tmp_path / ".out.camfuse-999999999-mine.partial.mp4"  # not our pattern
    for p in (dead, live, users):
        p.write_bytes(b"x")
    with staged_output(out, "video", overwrite=False) as tmp:
        tmp.write_bytes(b"done")
    assert out.read_bytes() == b"done"
    assert not dead.exists() and live.exists() and users.exists()


def test_the_package_renders_when_called_and_loads_torch_lazily():
    code = (
        "import sys, camfuse; assert 'torch' not in sys.modules; "
        "import camfuse.render; assert callable(camfuse.render); "
        "assert camfuse.render.render is camfuse.render.run.render; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr


_SPAWNED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _reap():
    """A failed test must not leave its child paused forever (it waits for a signal)."""
    yield
    while _SPAWNED:
        proc = _SPAWNED.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _spawn(*argv: str, pause_at: str | None = None, ignore=(), script=False) -> subprocess.Popen:
    """``camfuse ARGV`` in a subprocess, SIGINT at its default as in a terminal (signals in
    ``ignore`` ignored, as under ``nohup``); ``pause_at``: STAGE:FILE (camfuse.__main__)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if pause_at:
        env["CAMFUSE_PAUSE_AT"] = pause_at

    def dispositions() -> None:
        as_in_a_terminal()
        for s in ignore:
            signal.signal(s, signal.SIG_IGN)

    entry = (
        [str(Path(sys.executable).with_name("camfuse"))]
        if script
        else [sys.executable, "-m", "camfuse"]
    )
    proc = subprocess.Popen(
        [*entry, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        preexec_fn=dispositions,
    )
    _SPAWNED.append(proc)
    return proc


def _paused_at(stage: str, tmp_path: Path, **kw) -> subprocess.Popen:
    """``camfuse info`` stopped at ``stage`` of its start-up, waiting for a signal."""
    marker = tmp_path / f"reached-{stage}"
    proc = _spawn("info", pause_at=f"{stage}:{marker}", **kw)
    while not marker.exists():  # the process says where it is: no guessed delay
        if proc.poll() is not None:
            pytest.fail(
                f"exited {proc.returncode} without reaching {stage!r}: {proc.stderr.read()}"
            )
        time.sleep(0.01)
    return proc


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_during_render_removes_the_partial_output(media, tmp_path, sig):
    clip = make_clip(tmp_path / "long.mp4", n=400)
    out = tmp_path / "out" / "frames"
    out.parent.mkdir()
    args = [str(a) for a in render_args(media, "clip.mp4", out, "--style", "--window", "2")]
    args[args.index("--footage") + 1] = str(clip)
    proc = _spawn(*args)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # wait until frames are being written
        partial = [p for p in out.parent.iterdir() if ".camfuse-" in p.name]
        if partial and any(partial[0].iterdir()):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the render never started writing")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + sig, err
    assert f"interrupted by {signal.Signals(sig).name}" in err and "Traceback" not in err, err
    assert list(out.parent.iterdir()) == []


@pytest.mark.parametrize("stage", ["start", "cli"])
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_signal_while_starting_up_is_quiet(tmp_path, stage, sig):
    # start: the entry point's first line has run; cli: typer, rich and the commands are loaded
    proc = _paused_at(stage, tmp_path)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=120)
    assert (proc.returncode, out) == (128 + sig, ""), err
    assert err == f"error: interrupted by {signal.Signals(sig).name}\n"


def test_the_console_script_is_quiet_from_its_first_line(tmp_path):
    if not Path(sys.executable).with_name("camfuse").exists():
        pytest.skip("camfuse is not installed beside this Python")
    proc = _paused_at("start", tmp_path, script=True)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err == "error: interrupted by SIGINT\n", err


def test_a_signal_ignored_by_nohup_stays_ignored(tmp_path):
    proc = _paused_at("cli", tmp_path, ignore=(signal.SIGHUP,))
    proc.send_signal(signal.SIGHUP)  # ignored: the process waits on
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and err == "error: interrupted by SIGINT\n", err
