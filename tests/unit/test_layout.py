"""The house's rules, read from the imports (docs/architecture.md): the product never imports
the developer tools, the consumer kit stands on the published contract alone, and no module
imports itself back through others."""

from __future__ import annotations

import ast
import subprocess
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[2]
PRODUCT = ("api", "workflows", "activities", "worker.py", "payment_saga")
TOOLS = ("devtools",)
# Generated code, which imports only itself.
GENERATED = ("payment_saga/events/proto",)


def modules(*places: str) -> dict[str, Path]:
    """Each module's dotted name and file, in the given top-level folders or files."""
    found: dict[str, Path] = {}
    for place in places:
        path = ROOT / place
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        for file in files:
            relative = file.relative_to(ROOT)
            if any(str(relative).startswith(skip) for skip in GENERATED):
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = file
    return found


def imported(file: Path, known: set[str]) -> Iterator[str]:
    """Every module of ours the file imports, anywhere in it (functions and TYPE_CHECKING
    blocks too); `from package import name` counts `package.name` when that is a module."""
    for node in ast.walk(ast.parse(file.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [name if name in known else node.module for name in names]
        else:
            continue
        yield from (name for name in names if name.split(".")[0] in TOP_NAMES)


TOP_NAMES = {"api", "workflows", "activities", "worker", "payment_saga", "devtools", "eventkit"}


def graph(*places: str) -> dict[str, set[str]]:
    everything = modules(*PRODUCT, *TOOLS, "sdk/python/eventkit")
    known = set(everything)
    mine = modules(*places)
    return {name: set(imported(file, known)) - {name} for name, file in mine.items()}


def test_the_product_never_imports_the_developer_tools() -> None:
    offending = {
        name: sorted(target for target in targets if target.startswith("devtools"))
        for name, targets in graph(*PRODUCT).items()
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_consumer_kit_imports_nothing_of_the_producer() -> None:
    """A consumer in another repository has the published contract (docs/events/), not our
    code: the kit stands on that alone."""
    imports = graph("sdk/python/eventkit")
    producers = {
        name: sorted(target for target in found if not target.startswith("eventkit"))
        for name, found in imports.items()
    }
    assert {name: found for name, found in producers.items() if found} == {}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_circles() -> None:
    edges = graph(*PRODUCT, *TOOLS)
    assert cycles(edges) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_top_level_is_the_product_card_and_a_few_more() -> None:
    """What a newcomer sees first (docs/architecture.md, "The house"); a new entry here is a
    decision, made in that document too."""
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    entries = {path.split("/")[0] for path in tracked if not path.startswith(".")}
    assert entries == {
        "api", "workflows", "activities", "worker.py", "payment_saga", "devtools", "sdk",
        "migrations", "deploy", "docs", "tests", "pyproject.toml", "docker-compose.yaml",
        "Dockerfile", "Makefile", "README.md",
    }  # fmt: skip
