"""The layers of the package (docs/concepts/layers.md): imports only go down, and none go round.

Every ``from selfreflect... import`` counts, those inside functions included.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "selfreflect"

#: Layer of each top-level module or package under selfreflect/ (lower imports nothing higher).
CORE = {
    "conversation",
    "steps",
    "report",
    "params",
    "registry",
    "recipe",
    "pipeline",
    "pool",
    "formats",
    "describe",
    "provenance",
    "progress",
    "recipes",
    "version",
}
LIBRARY = {
    "filters",
    "dedup",
    "reflect",
    "llm",
    "conflicts",
    "groups",
    "stats",
    "html_report",
    "observe",
    "testing",
}
ENGINES = {"engines"}
COMMANDS = {"cli", "runner", "__init__", "__main__"}
#: Modules of a library package that are commands (the ``reflect`` subcommand).
COMMAND_MODULES = {"selfreflect.reflect.cli", "selfreflect.reflect.batchrun"}
RANK = {"core": 0, "library": 1, "engines": 2, "commands": 3}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports() -> dict[str, set[str]]:
    """Module -> the selfreflect modules it imports (submodules named in ``from x import y``)."""
    modules = {module_name(p) for p in ROOT.rglob("*.py")}
    found: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        name = module_name(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.level == 0
                and node.module.startswith("selfreflect")
            ):
                targets = {f"{node.module}.{a.name}" for a in node.names} & modules
                found[name] |= targets or {node.module}
            elif isinstance(node, ast.Import):
                found[name] |= {a.name for a in node.names if a.name.startswith("selfreflect")}
    return found


def layer(module: str) -> str:
    if module in COMMAND_MODULES or module == "selfreflect":
        return "commands"
    top = module.split(".")[1]
    for name, members in (
        ("core", CORE),
        ("library", LIBRARY),
        ("engines", ENGINES),
        ("commands", COMMANDS),
    ):
        if top in members:
            return name
    raise AssertionError(f"{module} is in no layer: add it to tests/test_layers.py")


def test_imports_only_go_down_the_layers():
    upward = sorted(
        f"{m} ({layer(m)}) imports {d} ({layer(d)})"
        for m, targets in imports().items()
        for d in targets
        if RANK[layer(d)] > RANK[layer(m)]
    )
    assert upward == []


def test_no_import_cycles_lazy_imports_included():
    graph = imports()
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str], on_path: set[str], done: set[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt == "selfreflect" or nxt == node:
                continue
            if nxt in on_path:
                cycles.append(path[path.index(nxt) :] + [nxt])
            elif nxt not in done:
                on_path.add(nxt)
                visit(nxt, [*path, nxt], on_path, done)
                on_path.discard(nxt)
        done.add(node)

    done: set[str] = set()
    for start in sorted(graph):
        if start not in done:
            visit(start, [start], {start}, done)
    assert cycles == []
