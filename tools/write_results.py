"""Assemble docs/results.md from the measured outputs (run after `camfuse ablate` and the evaluations).

    .venv/bin/python tools/write_results.py runs/ablate runs/eval-carphone-keyframe runs/eval-bikes-style \
        runs/ablate-render

Copies the ablations' tables and the two real-footage tables verbatim (no number is typed by
hand), the robustness plot and the qualitative sheets into docs/, and wraps them in
docs/results_notes.md's narrative (sections marked {{ablation}}, {{carphone}}, {{bikes}} and
{{ablation_render}}, the `camfuse ablate --recipe render` run of issue 24). The narrative's own
sections for issues 13-24 quote evaluation reports by hand, each beside its command.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

from PIL import Image

DOCS = Path(__file__).resolve().parents[1] / "docs"


def body(md: Path) -> str:
    """A report without its title line; headings shifted one level down."""
    text = md.read_text().split("\n", 1)[1]
    return re.sub(r"^(#+) ", r"\1# ", text, flags=re.M).strip()


def table(md: Path, group: str) -> str:
    text = md.read_text()
    start = text.index(f"## {group}\n")
    block = text[start:].split("\n\n")[1]
    header = "\n".join(line for line in text.splitlines()[:8] if line.startswith("- command"))
    return f"{header}\n\n{block}"


def main(ablate: str, carphone: str, bikes: str, ablate_render: str) -> None:
    (DOCS / "img").mkdir(exist_ok=True)
    shutil.copy(Path(ablate) / "robustness.png", DOCS / "img" / "robustness.png")
    for src, dst in ((Path(carphone) / "samples_keyframe.png", "carphone_keyframe.jpg"),
                     (Path(bikes) / "samples_style.png", "bikes_style.jpg")):  # fmt: skip
        Image.open(src).convert("RGB").save(DOCS / "img" / dst, quality=82)
    ablation = body(Path(ablate) / "ablation.md").replace(
        "(robustness.png)", "(img/robustness.png)"
    )
    text = (DOCS / "results_notes.md").read_text()
    text = text.replace("{{ablation}}", ablation)
    text = text.replace("{{carphone}}", table(Path(carphone) / "report.md", "keyframe"))
    text = text.replace("{{bikes}}", table(Path(bikes) / "report.md", "style"))
    render = body(Path(ablate_render) / "ablation.md").replace(
        "(robustness.png)", "(img/robustness_render.png)"
    )
    shutil.copy(Path(ablate_render) / "robustness.png", DOCS / "img" / "robustness_render.png")
    text = text.replace("{{ablation_render}}", re.sub(r"^(#+) ", r"#\1 ", render, flags=re.M))
    tmp = DOCS / ".results.md.partial"
    tmp.write_text(text)
    tmp.replace(DOCS / "results.md")
    print(f"wrote {DOCS / 'results.md'}")


if __name__ == "__main__":
    main(*sys.argv[1:5])
