"""The house rules of the architecture, read from the source with ``ast`` (nothing is imported).

- No import cycle among the product packages. Module-level and function-level imports both count (a lazy
  import hides a cycle, it does not remove it); imports under ``if TYPE_CHECKING:`` do not (they never run).
- ``assistant/`` is the core: it imports nothing from ``ingest/``, ``integrations/`` or ``evals/``, not even for
  type checking.
- No product module is over 300 lines.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("assistant", "ingest", "integrations", "evals")
OUTER = ("ingest", "integrations", "evals")
MAX_LINES = 300


@dataclass(frozen=True)
class Import:
    """One import statement's target module, where it is and whether it runs (not TYPE_CHECKING-only)."""

    target: str
    line: int
    runs: bool


def module_files() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the product packages (``pkg.__init__`` named ``pkg``)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes(node: ast.AST, runs: bool = True) -> Iterator[tuple[ast.AST, bool]]:
    """Every node under ``node``, with whether it runs (False under ``if TYPE_CHECKING:``)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and _is_type_checking(child.test):
            yield from _block(child.body, False)
            yield from _block(child.orelse, runs)
        else:
            yield child, runs
            yield from _nodes(child, runs)


def _block(statements: list[ast.stmt], runs: bool) -> Iterator[tuple[ast.AST, bool]]:
    for statement in statements:
        yield statement, runs
        yield from _nodes(statement, runs)


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The product module ``name`` refers to: itself, or its longest prefix that is a module; None if outside."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def imports_of(module: str, modules: dict[str, Path]) -> list[Import]:
    """The product modules ``module`` imports (``from pkg import sub`` names the submodule ``pkg.sub``)."""
    path = modules[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[Import] = []
    for node, runs in _nodes(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                found.append(Import(target, node.lineno, runs))
    return found


def import_graph(*, runtime_only: bool = True) -> dict[str, dict[str, int]]:
    """Module -> {imported module: first line}, over the product packages."""
    modules = module_files()
    graph: dict[str, dict[str, int]] = {}
    for module in modules:
        edges: dict[str, int] = {}
        for imp in imports_of(module, modules):
            if imp.runs or not runtime_only:
                edges.setdefault(imp.target, imp.line)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def shortest_loop(component: list[str], graph: dict[str, dict[str, int]]) -> list[str]:
    """One shortest import loop inside a cycle, from its first module back to it (breadth-first)."""
    start, members = component[0], set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node]):
            if nxt == start:
                return [*paths[node], start]
            if nxt in members and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return component


def _describe(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    loop = shortest_loop(component, graph)
    steps = [f"  {src} -> {dst} (line {graph[src][dst]})" for src, dst in zip(loop, loop[1:], strict=False)]
    return "\n".join([f"{len(component)} modules in a cycle: {', '.join(component)}; for example:", *steps])


def test_the_scanner_sees_lazy_and_relative_imports_and_skips_type_checking_ones(tmp_path: Path) -> None:
    """A failure means the scanner misses function-level or relative imports, or counts TYPE_CHECKING-only ones."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "b.py").write_text("X = 1\n")
    (package / "c.py").write_text("")
    (package / "d.py").write_text("")
    (package / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "import json\n"
        "from pkg import b\n"
        "if TYPE_CHECKING:\n"
        "    from pkg.d import Thing\n"
        "def f():\n"
        "    from . import c\n"
        "    from .b import X\n"
    )
    modules = {"pkg": package / "__init__.py", **{f"pkg.{n}": package / f"{n}.py" for n in "abcd"}}
    seen = {(imp.target, imp.line, imp.runs) for imp in imports_of("pkg.a", modules)}
    assert seen == {("pkg.b", 3, True), ("pkg.d", 5, False), ("pkg.c", 7, True), ("pkg.b", 8, True)}
    assert cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b": 1}, "b": {}}) == []
    assert shortest_loop(["a", "b", "c"], {"a": {"b": 1, "c": 1}, "b": {"c": 1}, "c": {"a": 1}}) == ["a", "c", "a"]
    assert "assistant.settings" in module_files()


def test_no_import_cycle_among_product_modules() -> None:
    """A failure names modules that import each other (directly or round a loop): move code so arrows point one way."""
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n\n".join(_describe(c, graph) for c in found)


def test_assistant_imports_nothing_from_the_outer_packages() -> None:
    """A failure means the core reaches out to an edge (ingest, integrations, evals): the arrow must point inward."""
    graph = import_graph(runtime_only=False)
    outward = [
        f"{src} -> {dst} (line {line})"
        for src, edges in sorted(graph.items())
        if src.split(".")[0] == "assistant"
        for dst, line in sorted(edges.items())
        if dst.split(".")[0] in OUTER
    ]
    assert not outward, "assistant/ imports outward:\n" + "\n".join(outward)


def test_no_product_module_is_over_300_lines() -> None:
    """A failure names a module that has grown past the house limit: split it by role."""
    too_long = {
        str(path.relative_to(ROOT)): n
        for path in module_files().values()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"
