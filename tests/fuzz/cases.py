"""Seeded fuzz cases for the command line: broken media, odd paths, options, model files, split
manifests, batch manifests (:mod:`tests.fuzz.manifests`) and interruptions (of a render, and of
its adaptation). A case is the argv of one ``camfuse`` call plus what it must leave alone;
:mod:`tests.fuzz.contract` runs it and checks the README's contract."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.footage import make_clip, make_pcm_clip

from .manifests import batch_manifest


@dataclass
class Case:
    name: str
    argv: list[str]
    out: Path | None  # what the command would write (must not exist after a failure)
    inputs: list[Path]  # must be byte-identical afterwards
    signal: int | None = None  # sent to a subprocess once it has started writing
    expect_ok: bool | None = None  # None: either outcome is allowed, as long as it is clean
    dirs: list[Path] = field(default_factory=list)  # where no temporary may be left
    expect_code: int | None = None  # the exit code it must have, when it is known
    writes_within: Path | None = None  # nothing new may appear in ``dirs`` outside this folder
    wait_for: str | None = None  # signal once stderr has a line with this (instead of a write)
    env: dict[str, str] = field(default_factory=dict)  # added to the subprocess's environment


def make_base(d: Path) -> Path:
    """The valid inputs every case starts from (copied into the case's own folder)."""
    import torch

    from camfuse.checkpoint import save_checkpoint
    from camfuse.config import load_config
    from camfuse.data.splits import write_split
    from camfuse.media import write_image
    from camfuse.models import CamFuse

    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    make_clip(d / "clip.mp4", audio="aac")
    make_clip(d / "clip.webm", n=8)
    make_clip(d / "clip.gif", n=5)
    make_pcm_clip(d / "clip.mkv")
    (d / "frames").mkdir()
    for i in range(5):
        write_image(d / "frames" / f"{i:03d}.png", (rng.random((36, 44, 3)) * 255).astype(np.uint8))
    write_image(d / "paint.png", (rng.random((48, 64, 3)) * 255).astype(np.uint8))
    torch.manual_seed(0)
    cfg = load_config("tiny")
    save_checkpoint(d / "model", CamFuse(cfg.model), cfg, note="random init, for fuzzing")
    cfg = cfg.with_overrides(["model.sampling=true"])  # a path --adapt can adapt
    save_checkpoint(d / "sampling", CamFuse(cfg.model), cfg, note="random init, for fuzzing")
    write_split(d / "split", samples=2, frames=2, size=32, seed=5)
    from camfuse.data.real import write_real_split

    write_real_split(d / "real", clips=["carphone"], painters=["cel"], frames=2)
    return d


# --------------------------------------------------------------------------------- mutations


def _truncate(rng, p: Path) -> None:
    data = p.read_bytes()
    p.write_bytes(data[: int(len(data) * rng.uniform(0.05, 0.995))])


def _flip(rng, p: Path) -> None:
    data = bytearray(p.read_bytes())
    for i in rng.integers(len(data) // 8, len(data), size=int(rng.integers(1, 40))):
        data[i] = int(rng.integers(256))
    p.write_bytes(bytes(data))


def _garbage(rng, p: Path) -> None:
    p.write_bytes(rng.integers(0, 256, int(rng.integers(0, 4096)), dtype=np.uint8).tobytes())


def _empty(rng, p: Path) -> None:
    p.write_bytes(b"")


MUTATIONS = [_truncate, _flip, _garbage, _empty]


def _copy(base: Path, d: Path, name: str) -> Path:
    """A copy of a base input in the case's folder (a model: both of its files)."""
    if name in ("model", "sampling"):
        for ext in (".safetensors", ".json"):
            shutil.copy2(base / f"{name}{ext}", d / f"{name}{ext}")
        return d / f"{name}.safetensors"
    src, dst = base / name, d / name
    (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
    return dst


def _render(d: Path, painting: Path, footage: Path, out: Path, *extra: str) -> list[str]:
    return ["render", "-p", str(painting), "-f", str(footage), "-o", str(out),
            "-c", str(d / "model.safetensors"), "--device", "cpu", *extra]  # fmt: skip


def _role(rng) -> list[str]:
    return ["--style"] if rng.random() < 0.5 else ["--keyframe", str(int(rng.integers(0, 4)))]


def _out(rng, d: Path) -> Path:
    return d / ("out" + str(rng.choice([".mp4", ".mkv", ".mov", ""])))


def broken_footage(rng, base: Path, d: Path) -> Case:
    name = str(rng.choice(["clip.mp4", "clip.webm", "clip.gif", "clip.mkv", "frames"]))
    footage = _copy(base, d, name)
    _copy(base, d, "model")
    paint = _copy(base, d, "paint.png")
    mutate = MUTATIONS[int(rng.integers(len(MUTATIONS)))]
    target = footage if footage.is_file() else sorted(footage.iterdir())[int(rng.integers(5))]
    mutate(rng, target)
    out = _out(rng, d)
    return Case(f"footage {name} {mutate.__name__}", _render(d, paint, footage, out, *_role(rng)),
                out, [footage, paint])  # fmt: skip


def broken_painting(rng, base: Path, d: Path) -> Case:
    footage = _copy(base, d, "clip.mp4")
    _copy(base, d, "model")
    paint = _copy(base, d, "paint.png")
    kind = int(rng.integers(6))
    if kind < 4:
        MUTATIONS[kind](rng, paint)
    else:
        from PIL import Image

        size = [(1, 1), (20000, 10), (9000, 9000), (16, 16)][int(rng.integers(4))]
        mode = str(rng.choice(["RGBA", "L", "I;16", "P", "CMYK"]))
        Image.new(mode, size).save(paint.with_suffix(".png" if mode != "CMYK" else ".jpg"))
        paint = paint.with_suffix(".png" if mode != "CMYK" else ".jpg")
    out = _out(rng, d)
    return Case(f"painting kind {kind}", _render(d, paint, footage, out, *_role(rng)), out,
                [footage, paint])  # fmt: skip


def odd_paths(rng, base: Path, d: Path) -> Case:
    footage = _copy(base, d, str(rng.choice(["clip.mp4", "frames"])))
    _copy(base, d, "model")
    paint = _copy(base, d, "paint.png")
    loop = d / "loop.mp4"
    loop.symlink_to(d / "loop2.mp4")
    (d / "loop2.mp4").symlink_to(loop)
    choices: list[tuple[str, Callable[[], tuple[Path, Path, Path]]]] = [
        ("out = footage", lambda: (paint, footage, footage)),
        ("out = painting", lambda: (paint, footage, paint)),
        ("out in footage", lambda: (paint, footage, footage / "o.mp4")),
        ("out parent missing", lambda: (paint, footage, d / "no" / "o.mp4")),
        ("out bad extension", lambda: (paint, footage, d / "o.txt")),
        ("footage missing", lambda: (paint, d / "nope.mp4", d / "o.mp4")),
        ("footage is a loop", lambda: (paint, loop, d / "o.mp4")),
        ("out is a loop", lambda: (paint, footage, loop)),
        ("painting is a folder", lambda: (d, footage, d / "o.mp4")),
        ("long name", lambda: (paint, footage, d / ("x" * 300 + ".mp4"))),
        ("spaces and unicode", lambda: (paint, footage, d / "sortie é 1.mp4")),
        ("out exists", lambda: (paint, footage, footage)),
    ]
    label, pick = choices[int(rng.integers(len(choices)))]
    p, f, o = pick()
    if label == "out exists":
        o = d / "taken.mp4"
        o.write_bytes(b"user's file")
    inputs = [x for x in (footage, paint, o if label == "out exists" else None) if x]
    ok = None if label in ("spaces and unicode",) else False
    return Case(f"path: {label}", _render(d, p, f, o, "--style"), o, inputs, expect_ok=ok)


OPTIONS = {
    "--strength": ["-1", "2", "nan", "inf", "0", "0.5", "x"],
    "--size": ["0", "31", "5000", "48", "-16", "1e3"],
    "--fps": ["0", "1e-4", "nan", "300", "0.01", "25"],
    "--keyframe": ["-1", "12", "99999", "3"],
    "--window": ["0", "1", "100", "-2"],
    "--overlap": ["-1", "50", "1"],
    "--device": ["cuda", "cuda:9", "mps", "tpu", "cpu"],
    "--precision": ["fp16", "bf16", "fp32"],
    "--runtime": ["tf", "torch"],
    "--flow": ["bogus", "fast", "medium"],
    "--depth": ["16", "12", "0", "x", "8"],
    "--codec": ["prores", "vp9", "", "h264"],
    "--resolution": ["full", "model", "half", "", "FULL"],
    "--network": ["auto", "on", "off", "maybe", "", "OFF"],
    "--strokes": ["on", "off", "yes", "", "ON"],
}


def odd_options(rng, base: Path, d: Path) -> Case:
    footage = _copy(base, d, "clip.mp4")
    _copy(base, d, "model")
    paint = _copy(base, d, "paint.png")
    extra: list[str] = []
    for flag in rng.choice(list(OPTIONS), size=int(rng.integers(1, 4)), replace=False):
        extra += [str(flag), str(rng.choice(OPTIONS[flag]))]
    if rng.random() < 0.2:
        extra += ["--alpha"]
    if "--keyframe" not in extra:
        extra += [] if rng.random() < 0.1 else _role(rng)
    elif rng.random() < 0.2:
        extra += ["--style"]  # both roles: refused
    out = _out(rng, d)
    return Case(f"options {' '.join(extra)}", _render(d, paint, footage, out, *extra), out,
                [footage, paint])  # fmt: skip


def odd_deliverables(rng, base: Path, d: Path) -> Case:
    """--depth / --codec / --alpha against every kind of --out; whether the render must succeed
    is decided here from the README's rules, independently of camfuse.render.plan."""
    footage = _copy(base, d, "clip.mp4")
    _copy(base, d, "model")
    paint = _copy(base, d, "paint.png")
    good = rng.random(2) < 0.85  # mostly valid values, so that most cases render and write
    depth = str(rng.choice(["8", "16"] if good[0] else ["12", "-8", "0", "x"]))
    codec = str(rng.choice(["h264", "prores", "ProRes"] if good[1] else ["vp9", "", "prores_ks"]))
    alpha = bool(rng.random() < 0.5)
    ext = str(rng.choice([".mp4", ".mkv", ".mov", ".mov", ""]))
    out = d / ("out" + ext)
    extra = ["--depth", depth, "--codec", codec, *(["--alpha"] if alpha else [])]
    name = codec.lower()
    if depth not in ("8", "16") or name not in ("h264", "prores"):
        ok = False
    elif not ext:  # a folder of PNG frames: 8 or 16 bits, alpha or not; no video codec
        ok = name == "h264"
    elif name == "prores":
        ok = ext == ".mov"
    else:  # H.264: 8 bits, no alpha
        ok = depth == "8" and not alpha
    return Case(f"deliverable {' '.join(extra)} -> out{ext or '/'}",
                _render(d, paint, footage, out, *extra, *_role(rng)), out, [footage, paint],
                expect_ok=ok)  # fmt: skip


CONFIG_EDITS = [
    ("data.frames", 4.5), ("data.frames", "four"), ("data.size", "big"), ("model.heads", 0),
    ("model.reduction", 0), ("model.width", -8), ("model", []), ("model", None), ("data", 7),
    ("model.backbone", "vgg"), ("model.max_frames", 0), ("model.attention", 3),
]  # fmt: skip


def broken_model(rng, base: Path, d: Path) -> Case:
    footage = _copy(base, d, "clip.mp4")
    model = _copy(base, d, "model")
    paint = _copy(base, d, "paint.png")
    meta = d / "model.json"
    kind = int(rng.integers(5))
    if kind == 0:  # an edited config value
        doc = json.loads(meta.read_text())
        key, value = CONFIG_EDITS[int(rng.integers(len(CONFIG_EDITS)))]
        section, _, name = key.partition(".")
        if name:
            doc["config"][section][name] = value
        else:
            doc["config"][section] = value
        meta.write_text(json.dumps(doc))
        label = f"config {key}={value!r}"
    elif kind == 1:
        meta.write_text(str(rng.choice(["[]", "null", "{", "[" * 100000 + "]" * 100000, '"x"'])))
        label = "config json"
    elif kind == 2:
        doc = json.loads(meta.read_text())
        doc["config"] = [[1, 2], None, "cfg", {"model": {"width": "wide"}}][int(rng.integers(4))]
        meta.write_text(json.dumps(doc))
        label = "config not an object"
    else:
        MUTATIONS[int(rng.integers(len(MUTATIONS)))](rng, d / "model.safetensors")
        label = "weights mutated"
    out = _out(rng, d)
    return Case(f"model: {label}", _render(d, paint, footage, out, "--style"), out,
                [footage, paint, meta, model])  # fmt: skip


MANIFEST_EDITS = [
    lambda m: [], lambda m: {k: v for k, v in m.items() if k != "samples"},
    lambda m: {k: v for k, v in m.items() if k != "frames"},
    lambda m: {**m, "samples": [{**s, "role": "dance"} for s in m["samples"]]},
    lambda m: {**m, "frames": "two"}, lambda m: {**m, "samples": "all"},
    lambda m: {**m, "samples": [{**s, "keyframe": 99} for s in m["samples"]]},
    lambda m: {**m, "samples": [{"id": 1}]}, lambda m: "text",
]  # fmt: skip


def broken_split(rng, base: Path, d: Path) -> Case:
    split = _copy(base, d, "split")
    _copy(base, d, "model")
    manifest = split / "manifest.json"
    kind = int(rng.integers(len(MANIFEST_EDITS) + 2))
    if kind < len(MANIFEST_EDITS):
        manifest.write_text(json.dumps(MANIFEST_EDITS[kind](json.loads(manifest.read_text()))))
    elif kind == len(MANIFEST_EDITS):
        _truncate(rng, manifest)
    else:  # a frame of the split broken
        frames = sorted(split.rglob("*.png"))
        MUTATIONS[int(rng.integers(len(MUTATIONS)))](rng, frames[int(rng.integers(len(frames)))])
    out = d / str(rng.choice(["report", "split", "split/report"]))
    extra = ["--overwrite"] if rng.random() < 0.5 else []
    argv = ["evaluate", "--data", str(split), "--out", str(out), "-c", str(d / "model.safetensors"),
            "-b", "identity,flow-warp", "--device", "cpu", *extra]  # fmt: skip
    return Case(f"split edit {kind}", argv, out, [split])


REAL_OPTIONS = {  # camfuse data real on carphone (120 frames), with cheap painters; mostly valid
    "--painters": ["cel", "mosaic,pencil", "pencil", "crayon", ",", "cel,cel"],
    "--frames": ["2", "3", "2", "0", "1", "121", "x"],
    "--keyframe": ["0", "1", "0", "-1", "5"],
    "--seed": ["0", "7", "3", "-1"],
}


def odd_real(rng, base: Path, d: Path) -> Case:
    """`camfuse data real` and `camfuse evaluate` on a real split with odd options; whether it
    must succeed is decided here from the README's rules."""
    if rng.random() < 0.5:
        opts = {f: str(rng.choice(v)) for f, v in REAL_OPTIONS.items() if rng.random() < 0.4}
        clips = str(rng.choice(["carphone"] * 6 + ["moon", "carphone,carphone"]))
        painters = opts.get("--painters", "cel").split(",")
        frames, key = opts.get("--frames", "24"), int(opts.get("--keyframe", "0"))
        ok = (
            clips == "carphone"
            and all(p in ("cel", "mosaic", "pencil") for p in painters)
            and len(set(painters)) == len(painters)
            and frames.isdigit()
            and 2 <= int(frames) <= 120
            and 0 <= key < int(frames)
            and int(opts.get("--seed", "0")) >= 0
        )
        out = d / "real"
        argv = ["data", "real", "--out", str(out), "--clips", clips]
        argv += [x for kv in opts.items() for x in kv]
        return Case(f"data real {' '.join(argv[4:])}", argv, out, [], expect_ok=ok)
    split = _copy(base, d, "real")
    rows = str(
        rng.choice(["flow-warp", "static-keyframe,identity", "flow-warp", "bogus", "ebsynth"])
    )
    adapt = str(rng.choice(["off", "auto", "off", "never", "-3"]))
    extra = ["--keyframe", "0"] if rng.random() < 0.1 else []
    ok = (
        rows in ("flow-warp", "static-keyframe,identity") and adapt in ("off", "auto") and not extra
    )
    out = d / "report"
    argv = ["evaluate", "--data", str(split), "--out", str(out), "-b", rows, "--adapt", adapt,
            "--device", "cpu", *extra]  # fmt: skip
    # ebsynth: an error unless CAMFUSE_EBSYNTH names a binary where the fuzz suite runs
    return Case(f"evaluate real -b {rows} --adapt {adapt} {' '.join(extra)}", argv, out, [split],
                expect_ok=None if rows == "ebsynth" else ok)  # fmt: skip


def odd_export(rng, base: Path, d: Path) -> Case:
    model = _copy(base, d, "model")
    del model
    out = d / str(rng.choice(["onnx", "model.safetensors", "no/onnx", "taken"]))
    if out.name == "taken":
        out.mkdir()
        (out / "mine.txt").write_text("mine")
    extra = [str(rng.choice(["--size", "--window", "--aspect"])),
             str(rng.choice(["0", "-3", "16:0", "abc", "48", "2"]))]  # fmt: skip
    argv = ["export", "--onnx", str(out), "-c", str(d / "model.safetensors"), *extra]
    if rng.random() < 0.5:
        argv.append("--overwrite")
    inputs = [d / "model.safetensors", d / "model.json"] + ([out] if out.name == "taken" else [])
    return Case(f"export {out.name} {' '.join(extra)}", argv, out, inputs)


def odd_ablate(rng, base: Path, d: Path) -> Case:
    """``ablate --recipe``: values it must refuse in one line before training anything (a valid
    recipe is paired with an invalid budget, so that no case trains)."""
    recipe = str(rng.choice(["bogus", "", "RENDER", "paper", "render"]))
    extra = ["--steps", str(rng.choice(["0", "-2"]))] if recipe in ("paper", "render") else []
    out = d / "ablate"
    argv = ["ablate", "--quick", "--out", str(out), "--recipe", recipe, *extra]
    return Case(f"ablate --recipe {recipe!r} {' '.join(extra)}", argv, out, [], expect_ok=False,
                expect_code=2)  # fmt: skip


def interrupted(rng, base: Path, d: Path) -> Case:
    footage = d / "long.mp4"
    make_clip(footage, n=int(rng.integers(150, 400)))
    _copy(base, d, "model")
    paint = _copy(base, d, "paint.png")
    out = d / str(rng.choice(["out.mp4", "frames"]))
    sig = int(rng.choice([2, 15, 1]))  # SIGINT, SIGTERM, SIGHUP
    return Case(f"signal {sig}", _render(d, paint, footage, out, *_role(rng), "--window", "2"),
                out, [footage, paint], signal=sig, expect_ok=False)  # fmt: skip


def interrupted_adaptation(rng, base: Path, d: Path) -> Case:
    """A render interrupted while it adapts to the shot: the signal follows the log line that
    says adaptation has begun (the feature map is fitted; the painter's steps come next)."""
    footage = _copy(base, d, "clip.mp4")
    _copy(base, d, "sampling")
    paint = _copy(base, d, "paint.png")
    out = d / str(rng.choice(["out.mp4", "frames"]))
    sig = int(rng.choice([2, 15, 1]))
    argv = _render(d, paint, footage, out, "--keyframe", str(int(rng.integers(0, 4))),
                   "--adapt", str(int(rng.integers(150, 300))))  # fmt: skip
    argv[argv.index("-c") + 1] = str(d / "sampling.safetensors")
    return Case(f"signal {sig} adapting", ["-v", *argv], out, [footage, paint], signal=sig,
                expect_ok=False, expect_code=128 + sig, wait_for="adaptation: feature map fitted",
                env={"CAMFUSE_CACHE": str(d / "cache")})  # fmt: skip


GENERATORS = [
    (broken_footage, 4), (broken_painting, 2), (odd_paths, 3), (odd_options, 4),
    (broken_model, 2), (broken_split, 2), (odd_export, 1), (odd_deliverables, 2),
    (odd_real, 2), (batch_manifest, 3), (odd_ablate, 1),
]  # fmt: skip


def make_case(seed: int, base: Path, root: Path, *, signals: bool) -> Case:
    """Case number ``seed``: its own folder under ``root``, deterministic for the seed."""
    rng = np.random.default_rng(seed)
    gens = GENERATORS + ([(interrupted, 1), (interrupted_adaptation, 1)] if signals else [])
    weights = np.array([w for _, w in gens], float)
    gen = gens[int(rng.choice(len(gens), p=weights / weights.sum()))][0]
    d = root / f"case{seed:04d}"
    d.mkdir(parents=True)
    case = gen(rng, base, d)
    case.dirs = [d]
    case.name = f"{seed}: {case.name}"
    return case
