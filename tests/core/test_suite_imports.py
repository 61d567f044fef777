"""The suite's own layout: shared helpers live in support modules, never in conftest files.

pytest imports a conftest file itself, under a name of its choosing (``rootdir``-relative, or ``conftest``
alone without ``__init__.py`` files); a test module that imports one too gets a second copy of its module
objects, and a helper in it is found only by reading fixtures. So fixtures and hooks stay in conftest files,
and what a test module needs by name comes from a support module (``tests/support/``, or a ``support.py``
beside the tests).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREES = ("tests", "bench")


def _imported(node: ast.AST) -> list[str]:
    """The modules an import statement may load: ``import a.b`` a.b; ``from a import b`` a and a.b (b may be
    a module); ``from . import b`` . and .b."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        module = "." * node.level + (node.module or "")
        joined = module if module.endswith(".") else module + "."
        return [module, *(joined + alias.name for alias in node.names)]
    return []


def conftest_imports(root: Path) -> list[str]:
    """``path:line module`` for each import statement of a conftest module in the suite and the benchmarks."""
    offences = []
    for tree in TREES:
        for path in sorted((root / tree).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                hits = [name for name in _imported(node) if "conftest" in name.split(".")]
                if hits:
                    offences.append(f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)} {hits[0]}")
    return offences


def test_nothing_imports_from_a_conftest_file() -> None:
    assert conftest_imports(ROOT) == []


def test_the_check_sees_each_kind_of_import(tmp_path: Path) -> None:
    """The check itself: absolute, relative and plain imports of a conftest are each caught."""
    suite = tmp_path / "tests" / "crm"
    suite.mkdir(parents=True)
    (tmp_path / "bench").mkdir()
    (suite / "test_a.py").write_text("from tests.crm.conftest import NOW\n")
    (suite / "test_b.py").write_text("from .conftest import NOW\nfrom . import conftest\n")
    (suite / "test_c.py").write_text("import tests.conftest\nfrom tests.crm.support import NOW\n")
    assert conftest_imports(tmp_path) == [
        "tests/crm/test_a.py:1 tests.crm.conftest",
        "tests/crm/test_b.py:1 .conftest",
        "tests/crm/test_b.py:2 .conftest",
        "tests/crm/test_c.py:1 tests.conftest",
    ]
