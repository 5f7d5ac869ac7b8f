"""camfuse.batch.manifest: YAML and CSV shots, defaults, and refusals that name the row."""

from __future__ import annotations

import pytest

from camfuse.batch.manifest import ManifestError, read_manifest


def _write(tmp_path, name, text):
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
  - {name: b, footage: /abs/b.mp4, style: true, painting: ref.jpg, size: 256, out: sub/b/}
""",
    )
    a, b = read_manifest(m, tmp_path / "out")
    assert (a.row, a.name, a.footage) == (1, "a", tmp_path / "a.mp4")
    assert a.options == {"size": 128, "adapt": "off", "keyframe": [0, 9],
                         "painting": [str(tmp_path / "p0.png"), str(tmp_path / "p9.png")]}  # fmt: skip
    assert a.out == tmp_path / "out" / "a.mp4"
    assert b.options["size"] == 256 and b.out == tmp_path / "out" / "sub/b/"
    assert str(b.footage) == "/abs/b.mp4"


def test_csv_cells_are_typed(tmp_path):
    m = _write(tmp_path, "shots.csv", "name,footage,keyframe,painting,strength,alpha,adapt\n"
               "a,a.mp4,0;12,p0.png;p12.png,0.5,true,off\nb,b.mp4,3,p3.png,,,200\n")  # fmt: skip
    a, b = read_manifest(m, tmp_path)
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
