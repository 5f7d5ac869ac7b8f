"""Put the real-footage evaluations (stills + no-reference metrics) into the README.

    .venv/bin/python tools/write_real_footage.py carphone-keyframe=runs/real/eval-carphone-keyframe \
        carphone-style=runs/real/eval-carphone-style bikes-keyframe=runs/real/eval-bikes-keyframe \
        bikes-style=runs/real/eval-bikes-style

Each argument is NAME=a `camfuse evaluate` folder on real footage. Its sample sheet becomes
docs/img/real_NAME.jpg and its table (copied verbatim from report.md, with the command that made
it) goes between the README's ``<!-- real-footage -->`` markers. No number is typed by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- real-footage:start -->", "<!-- real-footage:end -->"


def section(name: str, report: Path) -> str:
    text = (report / "report.md").read_text()
    group = "keyframe" if "## keyframe\n" in text else "style"
    block = text[text.index(f"## {group}\n") :].split("\n\n")[1]
    command = next(ln for ln in text.splitlines() if ln.startswith("- command"))
    rows = (report / f"samples_{group}.txt").read_text().strip()
    sheet = ROOT / "docs" / "img" / f"real_{name}.jpg"
    Image.open(report / f"samples_{group}.png").convert("RGB").save(sheet, quality=80)
    return "\n".join(
        [
            f"#### {name.replace('-', ', ')} role",
            "",
            f"![{name}](docs/img/{sheet.name})",
            "",
            f"Sample sheet {rows}.",
            "",
            command,
            "",
            block,
            "",
        ]
    )


def main(args: list[str]) -> None:
    parts = [section(*a.split("=", 1)[0:1], Path(a.split("=", 1)[1])) for a in args]
    readme = ROOT / "README.md"
    text = readme.read_text()
    if START not in text or END not in text:
        raise SystemExit(f"README.md lacks the {START} / {END} markers")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    text = head + START + "\n\n" + "\n".join(parts) + "\n" + END + tail
    tmp = readme.with_name(".README.md.partial")
    tmp.write_text(text)
    tmp.replace(readme)
    print(f"wrote {len(parts)} real-footage sections into {readme}")


if __name__ == "__main__":
    main(sys.argv[1:])
