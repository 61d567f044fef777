"""The fuzz tests' ``fingerprint``: what proves that a refused request stored nothing must see any change to
any stored value, on both backends (it reads every table in one statement, as text)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.web.fuzz_support import LiveSite, live_site


@pytest.fixture
def live(tmp_path: Path, database_url: str) -> Iterator[LiveSite]:
    with live_site(tmp_path, database_url) as site:
        yield site


def changed(live: LiveSite, sql: str, **values: object) -> set[str]:
    """The tables whose digest ``sql`` changed."""
    before = live.fingerprint()

    async def write() -> None:
        async with live.site.services.db.begin() as conn:
            await conn.execute(text(sql), values)

    live.run(write())
    after = live.fingerprint()
    assert before.keys() == after.keys()
    return {name for name in before if before[name] != after[name]}


def test_a_change_to_any_value_changes_its_tables_digest_and_no_other(live: LiveSite) -> None:
    assert live.fingerprint() == live.fingerprint()
    assert changed(live, "UPDATE users SET display_name = 'x'") == {"users"}
    assert changed(live, "UPDATE users SET display_name = 'y'") == {"users"}
    assert changed(live, "UPDATE users SET locale = ''") == {"users"}
    assert changed(live, "UPDATE users SET locale = NULL") == {"users"}
    assert changed(live, "UPDATE branches SET active = :no", no=False) == {"branches"}
    assert changed(live, "UPDATE users SET display_name = 'y'") == set()
    # last_used_at is written by reading (a token's use): not a change the fuzz tests look for
    assert "api_tokens" in live.fingerprint()


@pytest.mark.sqlite_only
def test_on_sqlite_text_past_a_nul_and_a_values_type_count(live: LiveSite) -> None:
    """SQLite's quote() ends a text at its first NUL; a column without a type keeps 1, '1' and 1.0 apart."""

    async def untyped() -> None:
        async with live.site.services.db.begin() as conn:
            await conn.execute(text("CREATE TABLE untyped (v)"))
            await conn.execute(text("INSERT INTO untyped VALUES (NULL)"))

    live.run(untyped())  # before the first fingerprint, which learns the tables
    for value in ("a\x00b", "a\x00c", "1", 1, 1.0, 0.1 + 0.2, 0.3, b"1", b"\x00", ""):
        assert changed(live, "UPDATE untyped SET v = :v", v=value) == {"untyped"}, value
