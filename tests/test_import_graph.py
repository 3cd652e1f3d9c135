"""deepfit's subpackages import each other one way only: no eager import cycle (imports at
module level; imports inside functions are the allowed lazy escapes)."""

from __future__ import annotations

import ast
from pathlib import Path

import deepfit

ROOT = Path(deepfit.__file__).parent


def _unit(module: str) -> str:
    """`deepfit.layers.core` → `layers`; `deepfit.losses` → `losses`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "deepfit"


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _eager_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(
        ".", 1)[0]
    found: set[str] = set()
    for node in tree.body:  # module level only
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            continue
        for inner in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(inner, ast.Import):
                found.update(a.name for a in inner.names if a.name.startswith("deepfit"))
            elif isinstance(inner, ast.ImportFrom):
                base = inner.module or ""
                if inner.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - inner.level + 1]
                                    + ([base] if base else []))
                if base.startswith("deepfit"):
                    found.add(base)
                    found.update(f"{base}.{a.name}" for a in inner.names)
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        source = _unit(_module_name(path))
        for target in _eager_imports(path):
            unit = _unit(target)
            if unit != source and unit != "deepfit":
                graph.setdefault(source, set()).add(unit)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    cycles, state = [], {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                cycles.append(stack[stack.index(target):] + [target])
            elif target not in state:
                visit(target, [*stack, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def test_no_eager_import_cycle_between_subpackages():
    assert _cycles(_graph()) == []


def test_the_checker_finds_a_cycle():
    assert _cycles({"layers": {"models"}, "models": {"trainer"}, "trainer": {"layers"}}) == [
        ["layers", "models", "trainer", "layers"]]
