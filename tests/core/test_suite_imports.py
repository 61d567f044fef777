"""The suite's own layout: shared helpers live in support modules, never in conftest files or test modules.

pytest imports a conftest file itself, under a name of its choosing (``rootdir``-relative, or ``conftest``
alone without ``__init__.py`` files); a test module that imports one too gets a second copy of its module
objects, and a helper in it is found only by reading fixtures. A test module that imports another drags in
that module's tests and fixtures (a fixture imported by name is a second definition of it) and ties two
modules that each should stand alone. So fixtures and hooks stay in conftest files, tests in test modules,
and what a module needs by name comes from a support module (``tests/support/``, or one beside the tests).
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


def _forbidden(name: str) -> bool:
    """A conftest or test module (pytest's ``test_*.py``) of the suite (not ``aiohttp.test_utils``)."""
    ours = name.startswith(("tests.", "."))
    return ours and any(part == "conftest" or part.startswith("test_") for part in name.split("."))


def forbidden_imports(root: Path) -> list[str]:
    """``path:line module`` for each import of a conftest or test module in the suite and the benchmarks."""
    offences = []
    for tree in TREES:
        for path in sorted((root / tree).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if hits := [name for name in _imported(node) if _forbidden(name)]:
                    offences.append(f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)} {hits[0]}")
    return offences


def test_nothing_imports_from_a_conftest_file_or_a_test_module() -> None:
    assert forbidden_imports(ROOT) == []


def test_the_check_sees_each_kind_of_import(tmp_path: Path) -> None:
    """The check itself: absolute, relative and plain imports of a conftest or a test module are each caught;
    a support module's are not."""
    suite = tmp_path / "tests" / "crm"
    suite.mkdir(parents=True)
    (tmp_path / "bench").mkdir()
    (suite / "test_a.py").write_text("from tests.crm.conftest import NOW\n")
    (suite / "test_b.py").write_text("from .conftest import NOW\nfrom . import conftest\n")
    (suite / "test_c.py").write_text("import tests.conftest\nfrom tests.crm.support import NOW\n")
    (suite / "test_d.py").write_text("from tests.crm.test_a import helper\nfrom . import test_a\n")
    (tmp_path / "bench" / "x.py").write_text(
        "from tests.support.daemon import Daemon\nimport tests.crm.test_c\n"
    )
    assert forbidden_imports(tmp_path) == [
        "tests/crm/test_a.py:1 tests.crm.conftest",
        "tests/crm/test_b.py:1 .conftest",
        "tests/crm/test_b.py:2 .conftest",
        "tests/crm/test_c.py:1 tests.conftest",
        "tests/crm/test_d.py:1 tests.crm.test_a",
        "tests/crm/test_d.py:2 .test_a",
        "bench/x.py:2 tests.crm.test_c",
    ]
