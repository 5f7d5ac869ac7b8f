"""The folder tree is the architecture: imports point one way, with no cycles (read by ast)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"
PACKAGE = SRC / "camfuse"

# Each unit (a subpackage or a top-level module) may import only units of a lower or equal layer:
# cli -> demo/ui/batch -> evaluation -> training -> baselines -> render -> onnx -> checkpoint/losses/data/
# metrics -> models/guide/media -> config. The root package (public API) is left out.
LAYERS = {
    "config": 0,
    "media": 1,
    "models": 1,
    "guide": 1,
    "checkpoint": 2,
    "losses": 2,
    "data": 2,
    "metrics": 2,
    "onnx": 3,
    "render": 4,
    "baselines": 5,
    "training": 6,
    "evaluation": 7,
    "demo": 8,
    "ui": 8,
    "batch": 8,
    "cli": 9,
    "__main__": 10,
}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(SRC).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def import_graph() -> dict[str, set[str]]:
    """module -> the camfuse modules it imports (top level or inside functions)."""
    mods = modules()
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in mods.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = name.split(".") if is_pkg else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                candidates = [f"{target}.{a.name}" for a in node.names] + [target]
            elif isinstance(node, ast.Import):
                candidates = [a.name for a in node.names]
            else:
                continue
            for c in candidates:
                while c and c not in mods:
                    c = c.rpartition(".")[0]
                if c and c != name and c.startswith("camfuse"):
                    graph[name].add(c)
                    break
    return graph


def unit(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def test_every_unit_has_a_layer():
    units = {unit(m) for m in modules()} - {None}
    assert units <= set(LAYERS), f"add {sorted(units - set(LAYERS))} to LAYERS"


def test_no_import_points_upward():
    upward = []
    for src, targets in import_graph().items():
        for dst in targets:
            a, b = unit(src), unit(dst)
            if a and b and a != b and LAYERS[b] > LAYERS[a]:
                upward.append(f"{src} -> {dst}")
    assert not upward, upward


def test_no_import_cycles():
    graph = import_graph()
    # a package's __init__ importing its own submodules is registration, not a dependency
    edges = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles = []

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for t in edges.get(m, ()):
            if state.get(t) == 1:
                cycles.append(path[path.index(t) :] + [t] if t in path else [m, t])
            elif t not in state:
                visit(t, [*path, t])
        state[m] = 2

    for m in sorted(modules()):
        if m not in state:
            visit(m, [m])
    assert not cycles, cycles


@pytest.mark.parametrize("entry", ["camfuse.render", "camfuse.onnx", "camfuse.guide"])
def test_rendering_does_not_load_data_training_or_evaluation(entry):
    code = f"import sys, {entry}; print(' '.join(sorted(sys.modules)))"
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert entry in loaded
    for heavy in ("camfuse.data", "camfuse.training", "camfuse.evaluation", "camfuse.cli"):
        assert heavy not in loaded, f"importing {entry} loaded {heavy}"
    assert "lightning" not in loaded and "pytorch_lightning" not in loaded


def test_the_cycle_check_sees_a_cycle(tmp_path, monkeypatch):
    pkg = tmp_path / "camfuse"
    (pkg / "a").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a" / "__init__.py").write_text("")
    (pkg / "a" / "x.py").write_text("from .y import f\n")
    (pkg / "a" / "y.py").write_text("def f():\n    from .x import g\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    with pytest.raises(AssertionError, match="camfuse.a.x"):
        test_no_import_cycles()


def test_python_dash_m_camfuse_runs_the_cli():
    done = subprocess.run(
        [sys.executable, "-m", "camfuse", "--version"], capture_output=True, text=True
    )
    assert done.returncode == 0 and done.stdout.startswith("camfuse "), done.stderr
