"""The camfuse command line, in-process through ``main([...])`` (plus two real subprocesses):
renders preserve frames/size/fps/audio, bad input is one stderr line + exit 2 with nothing left
behind, and the thin commands dispatch to the training/data code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
from fractions import Fraction
from pathlib import Path

import pytest

from camfuse.media import probe_footage
from tests.cli.common import listing, render_args, run

BIN = Path(sys.executable).parent


def test_render_mp4_keeps_frames_size_fps_and_audio(media, tmp_path, capsys):
    code, out, err = run(
        capsys, *render_args(media, "clip.mp4", tmp_path / "out.mp4", "--keyframe", 3)
    )
    assert code == 0, err
    info = probe_footage(tmp_path / "out.mp4")
    assert (info.frames, info.size, info.fps, info.has_audio) == (12, "64x48", Fraction(10), True)
    assert out.startswith("rendered 12 frames 64x48") and str(tmp_path / "out.mp4") in out
    assert listing(tmp_path) == {str(tmp_path / "out.mp4")}  # no temp left behind


def test_render_frame_folder_round_trip(media, tmp_path, capsys):
    code, _, err = run(
        capsys,
        *render_args(
            media, "frames", str(tmp_path / "painted") + "/", "--style", "--strength", 0.5
        ),
    )
    assert code == 0, err
    names = sorted(p.name for p in (tmp_path / "painted").iterdir())
    assert names == [f"frame_{i:06d}.png" for i in range(5)]
    assert probe_footage(tmp_path / "painted").size == "44x36"


def test_render_gif_to_mkv(media, tmp_path, capsys):
    code, _, err = run(
        capsys,
        *render_args(
            media, "clip.gif", tmp_path / "out.mkv", "--keyframe", 4, "--window", 2, "--overlap", 1
        ),
    )
    assert code == 0, err
    assert probe_footage(tmp_path / "out.mkv").frames == 5


def test_overwrite(media, tmp_path, capsys):
    target = tmp_path / "out.mp4"
    target.write_bytes(b"precious")
    code, _, err = run(capsys, *render_args(media, "clip.gif", target, "--style"))
    assert code == 2 and "--overwrite" in err and target.read_bytes() == b"precious"
    code, _, err = run(capsys, *render_args(media, "clip.gif", target, "--style", "--overwrite"))
    assert code == 0, err
    assert probe_footage(target).frames == 5 and listing(tmp_path) == {str(target)}


def test_overwrite_refuses_a_folder_camfuse_did_not_write(media, tmp_path, capsys):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep me")
    code, _, err = run(
        capsys, *render_args(media, "clip.gif", tmp_path / "mine", "--style", "--overwrite")
    )
    assert code == 2 and "did not write" in err and (tmp_path / "mine" / "thesis.tex").exists()


BAD = {
    "missing footage": (["--footage", "{m}/nope.mp4", "--style"], "not found"),
    "missing painting": (["--painting", "{m}/nope.png", "--style"], "not found"),
    "unreadable footage": (["--footage", "{m}/text.mp4", "--style"], "unreadable"),
    "truncated footage": (["--footage", "{m}/cut.mp4", "--style"], "truncated"),
    "zero-frame footage": (["--footage", "{m}/empty", "--style"], "no PNG/JPG"),
    "truncated painting": (["--painting", "{m}/broken.png", "--style"], "painting|image"),
    "painting type": (["--painting", "{m}/paint.bmp", "--style"], "unsupported painting"),
    "footage type": (["--footage", "{m}/clip.avi", "--style"], "unsupported footage"),
    "output type": (["--out", "{t}/out.gif", "--style"], "unsupported output"),
    "keyframe too big": (["--keyframe", "12"], "out of range"),
    "keyframe negative": (["--keyframe", "-1"], "out of range"),
    "keyframe and style": (["--keyframe", "0", "--style"], "exactly one"),
    "no role": ([], "exactly one"),
    "strength high": (["--style", "--strength", "1.5"], r"\[0, 1\]"),
    "strength low": (["--style", "--strength", "-0.1"], r"\[0, 1\]"),
    "size small": (["--style", "--size", "16"], "--size"),
    "size huge": (["--style", "--size", "5000"], "--size"),
    "size not a number": (["--style", "--size", "big"], "--size"),
    "window too long": (["--style", "--window", "64"], "max_frames"),
    "overlap >= window": (["--style", "--window", "3", "--overlap", "3"], "overlap"),
    "out is the footage": (
        ["--out", "{m}/clip.mp4", "--style", "--overwrite"],
        "overwrite the input",
    ),
    "out is the painting dir": (["--out", "{m}", "--style", "--overwrite"], "overwrite the input"),
    "out folder missing": (["--out", "{t}/no/such/out.mp4", "--style"], "does not exist"),
    "bad checkpoint": (["--checkpoint", "{m}/nope.safetensors", "--style"], "model file not found"),
    "bad device": (["--device", "tpu", "--style"], "unknown device"),
    "bad flow": (["--flow", "slow", "--keyframe", "0"], "unknown --flow 'slow'; choose one of"),
    "unknown option": (["--style", "--colour", "red"], "No such option"),
    "webp painting missing": (["--painting", "{m}/nope.webp", "--style"], "not found"),
    "mask frame count": (["--keyframe", "0", "--mask", "{m}/frames"], "mask .* 5 frames of 44x36"),
    "mask size": (["--keyframe", "0", "--mask", "{m}/mask_small"], "mask .* 12 frames of 32x24"),
    "mask missing": (["--style", "--mask", "{m}/nope.mp4"], "not found"),
    "keys out of range": (["--painting", "-", "--keys", "{m}/keys_range"], "keyframe 99 is out"),
    "keys duplicated": (["--painting", "-", "--keys", "{m}/keys_dup"], "names frame 3 twice"),
    "keys empty": (["--painting", "-", "--keys", "{m}/empty"], "no PNG/JPG"),
    "keys not numbered": (["--painting", "-", "--keys", "{m}/keys_name"], "frame number"),
    "keys missing": (["--painting", "-", "--keys", "{m}/nope"], "not found"),
    "keys and painting": (["--keys", "{m}/keys_range"], "not both"),
    "keys and style": (["--painting", "-", "--keys", "{m}/keys_range", "--style"], "exactly one"),
    "fewer paintings": (["--keyframe", "2", "--keyframe", "5"], "2 --keyframe and 1 --painting"),
    "painting aspect": (["--painting", "{m}/wide.png", "--keyframe", "0"], "aspect ratio"),
    "alpha to a video": (["--keyframe", "0", "--alpha"], "--alpha .* h264 has no alpha"),
    "alpha to h264 mov": (
        ["--out", "{t}/o.mov", "--style", "--alpha"],
        r"--codec prores \(\.mov\)",
    ),
    "depth 12": (["--style", "--depth", "12"], "--depth must be 8 or 16"),
    "depth not a number": (["--style", "--depth", "high"], "--depth"),
    "depth 16 with h264": (["--style", "--depth", "16"], "--depth 16 needs .* h264 video is 8-bit"),
    "depth 16 with h264 mov": (["--out", "{t}/o.mov", "--style", "--depth", "16"], "8-bit"),
    "unknown codec": (["--style", "--codec", "vp9"], "unknown --codec 'vp9'; choose one of h264"),
    "prores in mp4": (["--style", "--codec", "prores"], "prores writes .mov files only, not .mp4"),
    "prores in mkv": (["--out", "{t}/o.mkv", "--style", "--codec", "prores"], "not .mkv"),
    "prores to a folder": (["--out", "{t}/f/", "--style", "--codec", "prores"], "not a folder"),
    "prores alpha mp4": (["--style", "--codec", "prores", "--alpha"], "only, not .mp4"),
    "unknown resolution": (["--style", "--resolution", "half"], "unknown --resolution 'half'"),
    "start out of range": (["--style", "--start", "12"], "--start 12 is out of range"),
    "end before start": (["--style", "--start", "5", "--end", "5"], "--end must be in 6..12"),
    "end beyond": (["--style", "--end", "13"], "--end must be in"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(media, tmp_path, capsys, case):
    extra, message = BAD[case]
    opts = {
        "--painting": media / "paint.png",
        "--footage": media / "clip.mp4",
        "--out": tmp_path / "out.mp4",
        "--checkpoint": media / "tiny.safetensors",
        "--device": "cpu",
    }
    rest, words = [], iter(extra)
    for word in words:  # an option named in `extra` replaces its default ("-": leaves it out)
        if word in opts:
            opts[word] = next(words).format(m=media, t=tmp_path)
        else:
            rest.append(word.format(m=media, t=tmp_path))
    opts = {k: v for k, v in opts.items() if v != "-"}
    before = listing(media, tmp_path)
    code, _, err = run(capsys, "render", *[x for kv in opts.items() for x in kv], *rest)
    assert code == 2, (case, code, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    assert re.search(message, lines[0]), lines[0]
    assert listing(media, tmp_path) == before  # no output, no temp, inputs untouched


def test_interrupt_removes_the_partial_output(media, tmp_path, capsys, monkeypatch):
    import camfuse.render.run

    real = camfuse.render.run.stylise

    def interrupted(*args, **kwargs):
        gen = real(*args, **kwargs)
        yield next(gen)
        raise KeyboardInterrupt

    monkeypatch.setattr(camfuse.render.run, "stylise", interrupted)
    code, _, err = run(capsys, *render_args(media, "clip.mp4", tmp_path / "out.mp4", "--style"))
    assert code == 130 and "interrupted" in err
    assert listing(tmp_path) == set()


def test_demo_writes_its_files(media, tmp_path, capsys):
    code, out, err = run(
        capsys,
        "demo",
        "--out",
        tmp_path / "demo",
        "--frames",
        6,
        "--checkpoint",
        media / "tiny.safetensors",
        "--device",
        "cpu",
    )
    assert code == 0, err
    assert "note: random init, for tests" in out
    names = {"painting.png", "animation.mp4", "side_by_side.mp4", "contact_sheet.png"}
    assert {p.name for p in (tmp_path / "demo").iterdir()} == names
    assert probe_footage(tmp_path / "demo" / "animation.mp4").frames == 6
    assert probe_footage(tmp_path / "demo" / "side_by_side.mp4").size == "528x144"  # 3 x 176


def test_info(capsys):
    code, out, err = run(capsys, "info")
    assert code == 0, err
    assert "camfuse" in out and "presets: cpu, default, paper, tiny" in out and "device:" in out


def test_train_dispatches_with_overrides(tmp_path, capsys, monkeypatch):
    calls = []
    fake = types.ModuleType("camfuse.training.run")
    fake.train = lambda cfg, **kw: calls.append((cfg, kw)) or tmp_path / "model.safetensors"
    monkeypatch.setitem(sys.modules, "camfuse.training.run", fake)
    code, out, err = run(
        capsys,
        "train",
        "--preset",
        "tiny",
        "--set",
        "train.lr=0.01",
        "--set",
        "model.width=16",
        "--max-steps",
        3,
        "--out",
        tmp_path / "run",
        "--accelerator",
        "cpu",
        "--precision",
        "bf16-mixed",
    )
    assert code == 0, err
    ((cfg, kw),) = calls
    assert (cfg.name, cfg.train.lr, cfg.model.width) == ("tiny", 0.01, 16)
    assert (
        kw["out_dir"] == tmp_path / "run"
        and kw["max_steps"] == 3
        and kw["precision"] == "bf16-mixed"
    )
    assert (kw["devices"], kw["num_nodes"], kw["accelerator"], kw["resume"]) == (1, 1, "cpu", None)
    for bad in (
        ["--preset", "huge"],
        ["--set", "train.nope=1"],
        ["--set", "data.fill=bogus"],
        ["--precision", "fp8"],
        ["--devices", "0"],
        ["--accelerator", "tpu"],
        ["--resume", tmp_path / "missing.ckpt"],
        ["--max-steps", "0"],
    ):
        code, _, err = run(capsys, "train", *bad)
        assert code == 2 and err.startswith("error: ") and len(err.splitlines()) == 1, (bad, err)
    assert len(calls) == 1


def test_data_make_dispatches(tmp_path, capsys, monkeypatch):
    calls = []
    fake = types.ModuleType("camfuse.data.splits")
    fake.write_split = lambda out, **kw: calls.append((out, kw))
    monkeypatch.setitem(sys.modules, "camfuse.data.splits", fake)
    code, _, err = run(
        capsys,
        "data",
        "make",
        "--out",
        tmp_path / "set",
        "--samples",
        3,
        "--frames",
        4,
        "--size",
        64,
        "--seed",
        5,
        "--painters",
        "oil, cel",
    )
    assert code == 0, err
    assert calls == [
        (tmp_path / "set", dict(samples=3, frames=4, size=64, seed=5, painters=["oil", "cel"]))
    ]
    for bad in (["--painters", "crayon"], ["--size", "50"], ["--samples", "0"]):
        code, _, err = run(capsys, "data", "make", "--out", tmp_path / "x", "--samples", 2, *bad)
        assert code == 2 and len(err.splitlines()) == 1, (bad, err)
    assert len(calls) == 1


def test_console_script_reports_bad_input_in_one_line(media, tmp_path):
    exe = BIN / "camfuse"
    if not exe.exists():
        pytest.skip("console script not installed (pip install -e .)")
    proc = subprocess.run(
        [str(exe), *map(str, render_args(media, "cut.mp4", tmp_path / "o.mp4", "--style"))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.count("\n") == 1
        and proc.stderr.startswith("error: ")
        and "truncated" in proc.stderr
    )
    assert not list(tmp_path.iterdir())


def test_render_does_not_import_training(media, tmp_path):
    code = (
        "import sys; from camfuse.cli import main; "
        f"rc = main({[str(a) for a in render_args(media, 'clip.gif', tmp_path / 'o.mp4', '--style')]!r}); "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'lightning' or m.startswith('camfuse.training')); "
        "assert rc == 0 and not bad, (rc, bad)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 0, proc.stderr
    assert probe_footage(tmp_path / "o.mp4").frames == 5


def test_render_with_several_keyframes_a_webp_key_and_a_range(media, tmp_path, capsys):
    from PIL import Image

    paint = media / "paint.png"
    code, out, err = run(
        capsys,
        *render_args(media, "clip.mp4", str(tmp_path / "a") + "/", "--keyframe", 0),
        *("--keyframe", 11, "--painting", paint, "--start", 2, "--end", 6),
    )
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        f"frame_{i:06d}.png" for i in range(2, 6)
    ]
    keys = tmp_path / "keys"
    keys.mkdir()
    Image.open(paint).save(keys / "0004.webp")
    code, out, err = run(
        capsys,
        *render_args(media, "clip.mp4", str(tmp_path / "b") + "/", "--keys", keys, "--alpha"),
    )
    assert code == 2 and "not both" in err  # render_args passes --painting: it must go
    args = render_args(media, "clip.mp4", str(tmp_path / "b") + "/", "--keys", keys, "--alpha")
    i = args.index("--painting")
    code, out, err = run(capsys, *args[:i], *args[i + 2 :])
    assert code == 0, err
    frames = sorted((tmp_path / "b").iterdir())
    assert len(frames) == 12 and Image.open(frames[0]).mode == "RGBA"


def test_frames_exports_frames_named_by_number_for_keys(media, tmp_path, capsys):
    from camfuse.media import iter_frames, read_image

    code, out, err = run(
        capsys, "frames", "--footage", media / "frames", "--out", tmp_path / "k", "--every", 2
    )
    assert code == 0, err
    assert sorted(p.name for p in (tmp_path / "k").iterdir()) == [
        "00000.png", "00002.png", "00004.png"
    ]  # fmt: skip
    source = list(iter_frames(media / "frames"))
    assert (read_image(tmp_path / "k" / "00002.png") == source[2]).all()  # lossless, unchanged
    for argv, message in [
        (["--at", "3,99"], "frame 99 is out of range"),
        (["--at", "x"], "--at takes frame numbers"),
        ([], "exactly one of --at"),
        (["--every", "0"], "--every must be"),
    ]:
        before = listing(tmp_path)
        code, _, err = run(
            capsys, "frames", "--footage", media / "frames", "--out", tmp_path / "bad", *argv
        )
        assert code == 2 and err.startswith("error: ") and message in err, err
        assert listing(tmp_path) == before


def test_render_16_bit_png_and_prores_4444_with_alpha(media, tmp_path, capsys):
    import av
    import cv2
    import numpy as np

    opts = ("--keyframe", 3, "--alpha", "--depth", 16, "--strength", 0.5)
    code, _, err = run(capsys, *render_args(media, "clip.mp4", str(tmp_path / "f") + "/", *opts))
    assert code == 0, err
    files = sorted((tmp_path / "f").iterdir())
    assert [p.name for p in files] == [f"frame_{i:06d}.png" for i in range(12)]
    pngs = [cv2.cvtColor(cv2.imread(str(p), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
            for p in files]  # fmt: skip
    assert pngs[0].dtype == np.uint16 and pngs[0].shape == (48, 64, 4)
    assert all((p[..., 3] == 32768).all() for p in pngs)  # strength 0.5 as alpha, 16 bits
    assert any((p[..., :3] % 257).any() for p in pngs)  # not 8-bit values scaled up

    mov = tmp_path / "out.mov"
    code, out, err = run(capsys, *render_args(media, "clip.mp4", mov, *opts, "--codec", "prores"))
    assert code == 0, err
    assert out.startswith("rendered 12 frames 64x48")
    info = probe_footage(mov)
    assert (info.frames, info.size, info.fps, info.has_audio) == (12, "64x48", Fraction(10), True)
    with av.open(str(mov)) as c:
        video = c.streams.video[0]
        assert (video.codec_context.name, video.codec_context.profile) == ("prores", "4444")
        assert video.format.name.startswith("yuva444p")
        decoded = [f.to_ndarray(format="rgba64le") for f in c.decode(video=0)]
    assert len(decoded) == 12
    for got, want in zip(decoded, pngs, strict=True):  # the same frames, through ProRes
        err = np.abs(got.astype(np.int64) - want)
        assert err[..., 3].max() <= 128, err[..., 3].max()
        assert err[..., :3].mean() < 257, err[..., :3].mean()
    assert listing(tmp_path) == {str(mov), str(tmp_path / "f"), *map(str, files)}
