"""The package's shape: stages that import each other one way only, short functions, a light `import qa`."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "qa"
MAX_FUNCTION_LINES = 60


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _runtime_imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at module level or inside functions, except those under `if TYPE_CHECKING:`."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from _runtime_imports(node)


def _imported(module: str) -> set[str]:
    """The modules of `qa` that `module` imports; `from qa.x import y` names qa.x.y when that is a module."""
    found: set[str] = set()
    for node in _runtime_imports(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        found.update(name for name in names if name in MODULES and name != "qa")
    return found


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of `graph`, as the modules along it, or None."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module], _ = "open", path.append(module)
        for other in sorted(graph[module]):
            if state.get(other) == "open":
                return [*path[path.index(other) :], other]
            if other not in state and (cycle := visit(other)):
                return cycle
        state[module], _ = "done", path.pop()
        return None

    return next((cycle for module in sorted(graph) if module not in state and (cycle := visit(module))), None)


def test_no_module_of_qa_imports_itself_back() -> None:
    graph = {module: _imported(module) for module in MODULES}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_sub_packages_import_nothing() -> None:
    """A sub-package's `__init__` only documents the stage: importing one stage's module never runs another's."""
    for module, path in MODULES.items():
        if path.name == "__init__.py" and module != "qa":
            assert not list(_runtime_imports(ast.parse(path.read_text(encoding="utf-8")))), module


@pytest.mark.parametrize("module", sorted(MODULES))
def test_functions_are_short(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (node.end_lineno or node.lineno) - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{module}: {', '.join(long)}"


def test_the_top_level_is_the_stages_and_the_shells() -> None:
    entries = sorted(path.name for path in PACKAGE.iterdir() if not path.name.startswith(("__pycache__", ".")))
    assert entries == [
        "__init__.py",
        "app",
        "ask",
        "cli.py",
        "config.py",
        "errors.py",
        "evaluation",
        "index",
        "ingest",
        "nlp.py",
        "precision.py",
        "readers",
        "training",
    ]


def test_importing_qa_is_light_and_changes_no_environment_variable() -> None:
    script = (
        "import os, sys; before = dict(os.environ); import qa, qa.cli, qa.config, qa.errors; "
        "assert dict(os.environ) == before, 'the environment changed'; "
        "heavy = {'torch', 'haystack', 'spacy', 'gradio'} & set(sys.modules); assert not heavy, heavy"
    )
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
