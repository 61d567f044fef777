"""A start on a database already at the newest revision reads one row instead of running Alembic."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from ctid.storage import db

START_AND_LIST_ALEMBIC = """
import asyncio, sys
from ctid.storage.db import Database, head_revision

async def go():
    database = Database(sys.argv[1], keep_in_memory=False)
    await database.start()
    await database.stop()

asyncio.run(go())
print(head_revision(), sorted(m for m in sys.modules if m.split(".")[0] == "alembic"))
"""


def test_the_head_read_from_the_scripts_is_alembics() -> None:
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    assert db.head_revision() == ScriptDirectory.from_config(config).get_current_head()
    assert db._straight_line_head() is not None  # read from the files, not through Alembic's fallback


def test_a_database_at_head_starts_without_loading_alembic(database_url: str) -> None:
    """Alembic, its scripts and the schema they import were a third of a second of every start."""
    found = subprocess.run(
        [sys.executable, "-c", START_AND_LIST_ALEMBIC, database_url], capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.split() == [db.head_revision(), "[]"]


@pytest.mark.parametrize(
    "scripts",
    [
        {"a": ('"a"', "None"), "b": ('"b"', '"a"'), "c": ('"c"', '"a"')},  # two heads
        {"a": ('"a"', "None"), "b": ('"b"', '("a", "c")'), "c": ('"c"', "None")},  # a merge
        {"a": ('"a"', "None"), "b": ("compute()", '"a"')},  # not a plain string
    ],
    ids=["branches", "merge", "computed"],
)
def test_scripts_that_are_not_one_straight_line_are_left_to_alembic(
    scripts: dict[str, tuple[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "versions").mkdir()
    for name, (revision, down) in scripts.items():
        text = f'"""{name}"""\nrevision = {revision}\ndown_revision = {down}\n'
        (tmp_path / "versions" / f"{name}.py").write_text(text)
    monkeypatch.setattr(db, "MIGRATIONS", tmp_path)
    assert db._straight_line_head() is None
