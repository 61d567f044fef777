"""Imports point down the layers that docs/architecture.md draws, and no module of ctid imports itself back.

The drawing is the table: each line of the code block under "## Layers" is a layer, the top line the highest,
and names its packages and modules (``ctid/crm/``, ``ctid/app.py``). A module may import its own package and
anything in a lower layer; never a higher layer (up) nor another package of its own layer (across: calls and
the CRM know nothing of each other, so either can change alone). Every import counts: at module level, in a
function (a lazy import is still a dependency) and under ``if TYPE_CHECKING`` (today there is none of those
between ctid's modules; one that would close a cycle is a sign the type lives in the wrong place).
A module or package that no line names fails too: a new package takes its place in the drawing.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
UNIT = re.compile(r"ctid/[\w/]*?(?:[\w]+\.py|/)(?=[\s)]|$)")


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (or package, when the name is not a module of ours)
    where: str  # file:line


def layers(text: str) -> list[list[str]]:
    """The drawing's units by layer, the lowest first: ``ctid/crm/`` is ``ctid.crm``, ``ctid/app.py``
    ``ctid.app``."""
    block = text.split("## Layers", 1)[1].split("```", 2)[1]
    found = []
    for line in block.splitlines():
        units = [unit.removesuffix("/").removesuffix(".py").replace("/", ".") for unit in UNIT.findall(line)]
        if units:
            found.append(units)
    return found[::-1]


def modules(root: Path) -> dict[str, Path]:
    """Every module of ctid/ by dotted name (a package by its own); Alembic's scripts are not imported."""
    found = {}
    for path in sorted((root / "ctid").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(root: Path, known: dict[str, Path]) -> Iterator[Import]:
    """Every import of a ctid module by a ctid module, wherever it is written."""
    for name, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [
                    f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                if target.split(".")[0] == "ctid":
                    yield Import(name, _module(target, known), where)


def _module(name: str, known: dict[str, Path]) -> str:
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def unit_of(module: str, table: list[list[str]]) -> tuple[int, str] | None:
    """The layer and unit a module belongs to: the longest unit that is it or contains it. The ``ctid``
    package itself (``__version__``) is the core's."""
    if module == "ctid":
        module = "ctid.core"
    best = None
    for rank, units in enumerate(table):
        for unit in units:
            if (module == unit or module.startswith(unit + ".")) and (
                best is None or len(unit) > len(best[1])
            ):
                best = (rank, unit)
    return best


def violations(root: Path, table: list[list[str]]) -> list[str]:
    """What breaks the layering: modules no layer names, imports up or across."""
    known = modules(root)
    problems = [
        f"{name} ({path.relative_to(root)}) is in no layer of docs/architecture.md"
        for name, path in known.items()
        if unit_of(name, table) is None
    ]
    for edge in imports(root, known):
        source, target = unit_of(edge.source, table), unit_of(edge.target, table)
        if source is None or target is None or source[1] == target[1]:
            continue
        if target[0] > source[0]:
            problems.append(
                f"{edge.where}: {edge.source} imports {edge.target}, a higher layer ({target[1]})"
            )
        elif target[0] == source[0]:
            problems.append(
                f"{edge.where}: {edge.source} imports {edge.target}, across its layer ({target[1]})"
            )
    return problems


def cycles(root: Path) -> list[list[str]]:
    """The groups of modules that import each other, directly or round a loop (Tarjan's components)."""
    known = modules(root)
    graph: dict[str, set[str]] = {name: set() for name in known}
    for edge in imports(root, known):
        graph[edge.source].add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1 or node in graph[node]:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_drawing_names_only_what_is_there() -> None:
    table = layers(ARCHITECTURE.read_text(encoding="utf-8"))
    assert len(table) > 5
    missing = [unit for units in table for unit in units if not _exists(unit)]
    assert not missing, f"docs/architecture.md draws what ctid/ does not have: {missing}"


def _exists(unit: str) -> bool:
    path = ROOT / unit.replace(".", "/")
    return path.is_dir() or path.with_suffix(".py").is_file()


def test_imports_point_down_the_layers() -> None:
    table = layers(ARCHITECTURE.read_text(encoding="utf-8"))
    problems = violations(ROOT, table)
    assert not problems, "\n".join(problems)


def test_no_module_imports_itself_back() -> None:
    found = cycles(ROOT)
    assert not found, "modules importing each other round a loop:\n" + "\n".join(", ".join(g) for g in found)


def test_the_voice_card_loads_without_the_database() -> None:
    """The lines run without SQLAlchemy (``ctid line test`` on an installer's laptop, the sound card's
    decoder): the time comes from ``ctid.core.clock``, not the storage module."""
    voicecard = [name for name in modules(ROOT) if name.startswith("ctid.voicecard")]
    code = f"import json, sys\nfor name in {voicecard!r}: __import__(name)\nprint(json.dumps([*sys.modules]))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    imported = json.loads(done.stdout)
    loaded = [
        name for name in imported if name.split(".")[0] == "sqlalchemy" or name.startswith("ctid.storage")
    ]
    assert not loaded, f"the voice card imported {loaded[:5]}"
