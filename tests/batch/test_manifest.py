"""camfuse.batch.manifest: YAML and CSV shots, defaults, and refusals that name the row."""

from __future__ import annotations

import pytest

from camfuse.batch.manifest import ManifestError, read_manifest

INPUTS = ("a.mp4", "b.mp4", "x.mp4", "y.mp4", "p0.png", "p9.png", "p3.png", "p12.png", "ref.jpg")


def _write(tmp_path, name, text):
    for f in INPUTS:  # the inputs the manifests name (their content does not matter here)
        (tmp_path / f).touch()
    p = tmp_path / name
    p.write_text(text)
    return p


def test_yaml_with_defaults_and_relative_paths(tmp_path):
    m = _write(
        tmp_path,
        "shots.yaml",
        """
defaults: {size: 128, adapt: "off"}
shots:
  - {name: a, footage: a.mp4, keyframe: [0, 9], painting: [p0.png, p9.png]}
  - {name: b, footage: ABS, style: true, painting: ref.jpg, size: 256, out: sub/b/}
""".replace("ABS", str(tmp_path / "b.mp4")),
    )
    a, b = read_manifest(m, tmp_path / "out")
    assert (a.row, a.name, a.footage) == (1, "a", tmp_path / "a.mp4")
    assert a.options == {"size": 128, "adapt": "off", "keyframe": [0, 9],
                         "painting": [str(tmp_path / "p0.png"), str(tmp_path / "p9.png")]}  # fmt: skip
    assert a.out == tmp_path / "out" / "a.mp4"
    assert b.options["size"] == 256 and b.out == tmp_path / "out" / "sub/b/"
    assert b.footage == tmp_path / "b.mp4"


def test_csv_cells_are_typed(tmp_path):
    m = _write(tmp_path, "shots.csv", "name,footage,keyframe,painting,strength,alpha,adapt\n"
               "a,a.mp4,0;12,p0.png;p12.png,0.5,true,off\nb,b.mp4,3,p3.png,,,200\n")  # fmt: skip
    a, b = read_manifest(m, tmp_path / "out")
    assert a.row == 2 and a.options["keyframe"] == [0, 12] and a.options["strength"] == 0.5
    assert a.options["alpha"] is True and a.options["adapt"] == "off"
    assert b.row == 3 and b.options["keyframe"] == 3 and b.options["adapt"] == 200
    assert "strength" not in b.options  # empty cells fall back to the defaults


@pytest.mark.parametrize(
    "text, message",
    [
        ("shots:\n  - {name: a}\n", r"row 1: missing 'footage'"),
        ("shots:\n  - {name: a, footage: x.mp4, colour: red}\n", r"row 1: unknown option 'colour'"),
        ("shots:\n  - {name: a, footage: x.mp4, size: big}\n", r"row 1: size must be int"),
        (
            "shots:\n  - {name: a, footage: x.mp4, keyframe: [0, a]}\n",
            r"row 1: keyframe must be a list of int",
        ),
        (
            "shots:\n  - {name: a, footage: x.mp4}\n  - {name: a, footage: y.mp4}\n",
            r"row 2 \(a\): the name 'a' is used twice",
        ),
        ("shots: [\n", "not valid YAML"),
        ("defaults: {size: 1}\n", "needs a 'shots' list"),
        ("shots: []\n", "lists no shots"),
    ],
)
def test_malformed_yaml_is_refused_naming_the_row(tmp_path, text, message):
    with pytest.raises(ManifestError, match=message):
        read_manifest(_write(tmp_path, "m.yaml", text), tmp_path)


def test_malformed_csv_cell_names_the_line(tmp_path):
    m = _write(tmp_path, "m.csv", "name,footage,size\na,a.mp4,256\nb,b.mp4,huge\n")
    with pytest.raises(ManifestError, match=r"row 3: size 'huge' is not a valid value"):
        read_manifest(m, tmp_path)


def _shots(*rows: str) -> str:
    return "shots:\n" + "".join(f"  - {{{r}}}\n" for r in rows)


@pytest.mark.parametrize(
    "name, problem",
    [
        ("../../escape", "holds a path separator"),
        ("a/b", "holds a path separator"),
        ("/etc/passwd", "holds a path separator"),
        ("a\\\\b", "holds a path separator"),
        ("..", "starts with '.'"),
        (".hidden", "starts with '.'"),
        ("''", "is empty"),
        ("'  '", "is empty"),
        ('"bell\\a"', "holds a control character"),
        ('"new\\nline"', "holds a control character"),
        ('"rtl\\u202eoverride"', "holds a control character"),
        ("x" * 201, "is longer than 200 bytes"),
    ],
)
def test_a_name_must_be_a_plain_file_name(tmp_path, name, problem):
    m = _write(
        tmp_path, "m.yaml", _shots("name: ok, footage: a.mp4", f"name: {name}, footage: a.mp4")
    )
    with pytest.raises(ManifestError, match=rf"^row 2: name .* {problem}; a name must be a plain"):
        read_manifest(m, tmp_path / "out")


@pytest.mark.parametrize(
    "out, message",
    [
        ("../escape.mp4", r"'\.\.' starts with '\.'"),
        ("/tmp/escape.mp4", "must be a path relative to --out"),
        ("sub/../../x.mp4", r"'\.\.' starts with '\.'"),
        (".camfuse-batch/b.json", r"starts with '\.'"),
        ("a//b.mp4", "'' is empty"),
        ("batch-summary.json", "where the batch writes its summary"),
        ("/", "must be a path relative to --out"),
    ],
)
def test_a_rows_out_stays_inside_out(tmp_path, out, message):
    m = _write(tmp_path, "m.yaml", _shots(f"name: b, footage: b.mp4, out: '{out}'"))
    with pytest.raises(ManifestError, match=rf"^row 1 \(b\): out .*{message}"):
        read_manifest(m, tmp_path / "out")


def test_out_through_a_link_leading_outside_is_refused(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path / "elsewhere")
    m = _write(tmp_path, "m.yaml", _shots("name: b, footage: b.mp4, out: link/b.mp4"))
    with pytest.raises(ManifestError, match=r"row 1 \(b\): output .* outside --out"):
        read_manifest(m, tmp_path / "out")


@pytest.mark.parametrize(
    "rows, out, message",
    [
        (["name: a, footage: a.mp4", "name: b, footage: b.mp4, out: a.mp4"], "out",
         r"row 2 \(b\): output .*/out/a.mp4 collides with .*a.mp4 \(row 1 \(a\)\)"),
        (["name: a, footage: a.mp4, out: frames/", "name: b, footage: b.mp4, out: frames/b.mp4"],
         "out", r"row 2 \(b\): output .* collides with"),
        (["name: a, footage: a.mp4", "name: b, footage: OUT/a.mp4"], "out",
         r"row 1 \(a\): output .*a.mp4 would overwrite .*a.mp4 \(row 2 \(b\)\)"),
        (["name: a, footage: a.mp4", "name: b, footage: b.mp4, keys: OUT"], "out",
         r"row 1 \(a\): output .* lies inside the input folder .* \(row 2 \(b\)\)"),
        (["name: m, footage: a.mp4, out: m.yaml"], ".", r"would overwrite the manifest"),
        (["name: a, footage: a.mp4"], "a.mp4", r"--out .*a.mp4 is a file"),
        (["name: a, footage: a.mp4, out: model.json"], ".", r"would overwrite the model"),
    ],
)  # fmt: skip
def test_outputs_touch_no_input_and_no_other_output(tmp_path, rows, out, message):
    out_dir = tmp_path / out
    (out_dir if out != "a.mp4" else tmp_path).mkdir(exist_ok=True)
    rows = [r.replace("OUT", str(out_dir)) for r in rows]
    if out == "out":
        (out_dir / "a.mp4").touch()  # an input inside --out
    (tmp_path / "model.safetensors").touch()
    m = _write(tmp_path, "m.yaml", _shots(*rows))
    with pytest.raises(ManifestError, match=message):
        read_manifest(m, out_dir, model=tmp_path / "model.safetensors")


@pytest.mark.parametrize("key", ["footage", "painting", "keys", "mask"])
def test_a_missing_input_refuses_the_whole_manifest(tmp_path, key):
    row = "name: b, footage: b.mp4" + ("" if key == "footage" else f", {key}: gone")
    m = _write(tmp_path, "m.yaml", _shots("name: a, footage: a.mp4",
                                          row.replace("b.mp4", "gone") if key == "footage" else row))  # fmt: skip
    with pytest.raises(ManifestError, match=rf"^row 2 \(b\): {key} .*gone not found$"):
        read_manifest(m, tmp_path / "out")


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("suffix", [".csv", ".yaml"])
def test_utf8_with_or_without_a_bom_is_read(tmp_path, bom, suffix):
    text = (
        "name,footage\nsh\u00e9,a.mp4\n"
        if suffix == ".csv"
        else _shots("name: sh\u00e9, footage: a.mp4")
    )
    m = _write(tmp_path, "m" + suffix, "")
    m.write_bytes(bom + text.encode())
    (shot,) = read_manifest(m, tmp_path / "out")
    assert shot.name == "sh\u00e9" and shot.out == tmp_path / "out" / "sh\u00e9.mp4"


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_other_encodings_are_refused_with_a_hint(tmp_path, encoding):
    m = _write(tmp_path, "m.csv", "")
    m.write_bytes("name,footage\nsh\u00e9,a.mp4\n".encode(encoding))
    with pytest.raises(ManifestError, match=r"is not UTF-8 text .* save it as UTF-8"):
        read_manifest(m, tmp_path / "out")


@pytest.mark.parametrize(
    "text, message",
    [
        ("name,footage,name\na,a.mp4,b\n", r"row 1: the column 'name' appears twice"),
        ("name,footage\na,a.mp4\x00\n", r"row 2 \(a\): footage '.*a.mp4\\x00' holds a control"),
    ],
)
def test_malformed_csv_is_one_line(tmp_path, text, message):
    with pytest.raises(ManifestError, match=message):
        read_manifest(_write(tmp_path, "m.csv", text), tmp_path)


def test_render_deliverable_options_pass_through_and_prores_defaults_to_mov(tmp_path):
    m = _write(
        tmp_path,
        "shots.csv",
        "name,footage,keyframe,painting,codec,depth,resolution\n"
        "a,a.mp4,0,p0.png,prores,16,full\n"
        "b,b.mp4,0,p0.png,h264,8,model\n",
    )
    a, b = read_manifest(m, tmp_path / "out")
    assert (a.options["codec"], a.options["depth"], a.options["resolution"]) == (
        "prores",
        16,
        "full",
    )
    assert a.out == tmp_path / "out" / "a.mov" and b.out == tmp_path / "out" / "b.mp4"
