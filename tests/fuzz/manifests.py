"""Fuzz cases for ``camfuse batch``: manifests whose names, outputs or encoding are odd or hostile.

Every variant but the encodings a manifest may have is refused as a whole before anything runs
(exit 2, one ``error:`` line, ``--out`` not even created); an accepted manifest's only shot
asks for a keyframe beyond the clip, so it fails the render's own checks (exit 1) and Ray never
starts. Whatever the manifest says, nothing may appear outside ``--out``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

# variant -> (rows as YAML flow mappings or a CSV body, where --out is, how the file is encoded).
# FOOTAGE / PAINT are the case's inputs; OUT is --out; a row without "keyframe" gets one.
GOOD = "footage: FOOTAGE, painting: PAINT"
VARIANTS: dict[str, tuple[list[str], str, str]] = {
    "name ../../escape": ([f"name: ../../escape, {GOOD}"], "m/out", "yaml"),
    "name a/b": ([f"name: a/b, {GOOD}"], "m/out", "yaml"),
    "name absolute": ([f"name: /tmp/camfuse-fuzz-escape, {GOOD}"], "m/out", "yaml"),
    "name ..": ([f"name: '..', {GOOD}"], "m/out", "yaml"),
    "name hidden": ([f"name: .hidden, {GOOD}"], "m/out", "yaml"),
    "name empty": ([f"name: '', {GOOD}"], "m/out", "yaml"),
    "name control": ([f'name: "a\\tb\\x1b[31m", {GOOD}'], "m/out", "yaml"),
    "name bidi": ([f'name: "abc\\u202ecod.exe", {GOOD}'], "m/out", "yaml"),
    "name backslash": ([f"name: 'a\\b', {GOOD}"], "m/out", "yaml"),
    "name too long": ([f"name: {'x' * 240}, {GOOD}"], "m/out", "yaml"),
    "name twice": ([f"name: a, {GOOD}", f"name: a, {GOOD}"], "m/out", "yaml"),
    "out ../": ([f"name: a, out: ../o.mp4, {GOOD}"], "m/out", "yaml"),
    "out absolute": ([f"name: a, out: ABS/o.mp4, {GOOD}"], "m/out", "yaml"),
    "out sub/../..": ([f"name: a, out: sub/../../o.mp4, {GOOD}"], "m/out", "yaml"),
    "out records": ([f"name: a, out: .camfuse-batch/a.json, {GOOD}"], "m/out", "yaml"),
    "out summary": ([f"name: a, out: batch-summary.json, {GOOD}"], "m/out", "yaml"),
    "out through a link": ([f"name: a, out: link/o.mp4, {GOOD}"], "m/out", "yaml"),
    "outputs equal": ([f"name: a, {GOOD}", f"name: b, out: a.mp4, {GOOD}"], "m/out", "yaml"),
    "output inside another": (
        [f"name: a, out: f/, {GOOD}", f"name: b, out: f/b.mp4, {GOOD}"], "m/out", "yaml"),
    "output is the footage": (["name: clip, footage: OUT/clip.mp4, painting: PAINT"], ".", "yaml"),
    "output is the manifest": ([f"name: a, out: shots.yaml, {GOOD}"], "m", "yaml"),
    "output is the model": ([f"name: a, out: model.json, {GOOD}"], ".", "yaml"),
    "out is the footage folder": (["name: a, footage: OUT, painting: PAINT"], "frames", "yaml"),
    "out is the manifest": ([f"name: a, {GOOD}"], "m/shots.yaml", "yaml"),
    "footage missing": ([f"name: a, {GOOD}", "name: b, footage: gone.mp4, painting: PAINT"],
                        "m/out", "yaml"),
    "painting missing": ([f"name: a, {GOOD}", "name: b, footage: FOOTAGE, painting: gone.png"],
                         "m/out", "yaml"),
    "csv latin-1": (["name,footage,painting", "sh\u00e9,FOOTAGE,PAINT"], "m/out", "latin-1"),
    "csv utf-16": (["name,footage,painting", "sh\u00e9,FOOTAGE,PAINT"], "m/out", "utf-16"),
    "csv header twice": (["name,footage,name", "a,FOOTAGE,b"], "m/out", "utf-8"),
    "csv nul": (["name,footage,painting", "a,FOOTAGE\x00,PAINT"], "m/out", "utf-8"),
    # accepted: read, then the shot fails the render's checks (keyframe 99 of a short clip)
    "csv utf-8 bom": (["name,footage,painting", "sh\u00e9,FOOTAGE,PAINT"], "m/out", "utf-8-sig"),
    "csv crlf": (["name,footage,painting\r", "a,FOOTAGE,PAINT\r"], "m/out", "utf-8"),
    "yaml utf-8 bom": ([f"name: sh\u00e9, {GOOD}"], "m/out", "yaml-sig"),
    "name unicode and spaces": ([f"name: 'pl\u00e2n 01', {GOOD}"], "m/out", "yaml"),
}  # fmt: skip
ACCEPTED = ("csv utf-8 bom", "csv crlf", "yaml utf-8 bom", "name unicode and spaces")


def batch_manifest(rng, base: Path, d: Path, variant: str | None = None):
    from .cases import Case

    label = variant or str(rng.choice(list(VARIANTS)))
    rows, out_at, encoding = VARIANTS[label]
    m = d / "m"
    m.mkdir()
    for name in ("clip.mp4", "paint.png", "model.safetensors", "model.json"):
        shutil.copy2(base / name, d / name)
    shutil.copytree(base / "frames", d / "frames")
    out = d / out_at
    (d / "elsewhere").mkdir()
    if label == "out through a link":
        out.mkdir()
        (out / "link").symlink_to(d / "elsewhere")
    subst = {"FOOTAGE": str(d / "clip.mp4"), "PAINT": str(d / "paint.png"), "OUT": str(out),
             "ABS": str(d / "elsewhere")}  # fmt: skip
    rows = [_fill(r, subst) for r in rows]
    if encoding.startswith("yaml"):
        rows = [r if "keyframe" in r else f"{r}, keyframe: 99" for r in rows]
        text = "shots:\n" + "".join(f"  - {{{r}}}\n" for r in rows)
        manifest = m / "shots.yaml"
        manifest.write_bytes(text.encode("utf-8-sig" if encoding == "yaml-sig" else "utf-8"))
    else:
        header = rows[0]  # a keyframe column for every row
        text = "\n".join(_cell(r, "keyframe" if r is header else "99") for r in rows)
        manifest = m / "shots.csv"
        manifest.write_bytes((text + "\n").encode(encoding))
    ok = label in ACCEPTED
    argv = ["batch", str(manifest), "--out", str(out), "--workers", "1",
            "-c", str(d / "model.safetensors"), "--device", "cpu"]  # fmt: skip
    inputs = [manifest, d / "clip.mp4", d / "paint.png", d / "frames", d / "model.safetensors",
              d / "model.json"]  # fmt: skip
    return Case(f"batch {label}", argv, None if ok else out, inputs, expect_ok=False,
                expect_code=1 if ok else 2,
                writes_within=out if ok else d / "nothing")  # fmt: skip


def _fill(row: str, subst: dict[str, str]) -> str:
    for key, value in subst.items():
        row = row.replace(key, value)
    return row


def _cell(row: str, cell: str) -> str:
    """A CSV row with one more cell at its end (before a CR, if the line ends with one)."""
    end = "\r" if row.endswith("\r") else ""
    return f"{row.removesuffix(end)},{cell}{end}"
