"""``ctid db backup``: a consistent, checked, single-file copy of the live SQLite database."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest

from ctid import cli
from ctid.core.errors import CtidError
from ctid.storage.backup import backup, backup_path
from tests.core.support import pretend_asyncpg


def live_database(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE visits (id INTEGER PRIMARY KEY, pair INTEGER NOT NULL, what TEXT)")
    db.close()


def test_a_backup_taken_during_writes_is_one_moment_of_the_database(tmp_path: Path) -> None:
    """Every write transaction adds two rows: a torn copy would show an odd count of some pair."""
    source = tmp_path / "ctid.sqlite3"
    live_database(source)
    stop, written = threading.Event(), [0]

    def writer() -> None:
        db = sqlite3.connect(source, isolation_level=None)
        while not stop.is_set():
            db.execute("BEGIN IMMEDIATE")
            pair = written[0]
            db.executemany("INSERT INTO visits (pair, what) VALUES (?, ?)", [(pair, "x" * 500)] * 2)
            db.execute("COMMIT")
            written[0] += 1
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 200:
            pass
        reports = [backup(source, tmp_path / f"copy-{i}.sqlite3") for i in range(3)]
    finally:
        stop.set()
        thread.join()
    for report in reports:
        assert not report.path.with_name(report.path.name + "-wal").exists(), "one file, no WAL beside it"
        copy = sqlite3.connect(report.path)
        counts = copy.execute("SELECT pair, count(*) FROM visits GROUP BY pair").fetchall()
        copy.close()
        assert counts and all(n == 2 for _pair, n in counts)
        assert report.bytes == report.path.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []


def test_a_backup_never_overwrites_and_says_where(tmp_path: Path) -> None:
    source = tmp_path / "ctid.sqlite3"
    live_database(source)
    existing = tmp_path / "monday.sqlite3"
    existing.write_bytes(b"last week's backup")
    with pytest.raises(CtidError, match=r"monday\.sqlite3 exists"):
        backup(source, existing)
    assert existing.read_bytes() == b"last week's backup"
    with pytest.raises(CtidError, match="no database at"):
        backup(tmp_path / "nope.sqlite3", tmp_path / "copy.sqlite3")


def test_a_backup_that_fails_says_where_in_one_error(tmp_path: Path) -> None:
    source = tmp_path / "ctid.sqlite3"
    live_database(source)
    with pytest.raises(CtidError, match=r"backup to .*no-such-dir/copy\.sqlite3 failed"):
        backup(source, tmp_path / "no-such-dir" / "copy.sqlite3")


def test_a_directory_gets_a_dated_file(tmp_path: Path) -> None:
    at = datetime(2026, 12, 2, 9, 5, 7)
    assert backup_path(tmp_path, at) == tmp_path / "ctid-20261202-090507.sqlite3"
    assert backup_path(tmp_path / "x.sqlite3", at) == tmp_path / "x.sqlite3"


@pytest.mark.parametrize(
    ("destination", "problem"),
    [
        ("missing/", "no directory {tmp}/missing/: make it first, or give the backup a file name"),
        ("missing/copy.sqlite3", "no directory {tmp}/missing to write copy.sqlite3 in: make it first"),
    ],
)
def test_a_missing_directory_is_refused_not_taken_as_a_file_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], destination: str, problem: str
) -> None:
    """Before, ``ctid db backup /mnt/usb/`` with the USB disk not mounted wrote a file named ``usb``."""
    (tmp_path / "var").mkdir()
    live_database(tmp_path / "var" / "ctid.sqlite3")
    config = tmp_path / "ctid.toml"
    config.write_text(f'[storage]\ndir = "{tmp_path / "var"}"\n')
    assert cli.main(["db", "backup", "-c", str(config), f"{tmp_path}/{destination}"]) == cli.EXIT_FAILED
    assert capsys.readouterr().err == f"ctid: {problem.format(tmp=tmp_path)}\n"
    assert not (tmp_path / "missing").exists()


def test_the_command_backs_up_the_configured_database(tmp_path: Path) -> None:
    config = tmp_path / "ctid.toml"
    config.write_text(f'[storage]\ndir = "{tmp_path / "var"}"\n')
    run = [sys.executable, "-m", "ctid"]
    subprocess.run(
        [*run, "user", "add", "wang", "--role", "operator", "-c", str(config)],
        input="backed-up-pass\n",
        text=True,
        check=True,
        capture_output=True,
        timeout=60,
    )
    (tmp_path / "backups").mkdir()
    result = subprocess.run(
        [*run, "db", "backup", "-c", str(config), str(tmp_path / "backups")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [made] = (tmp_path / "backups").iterdir()
    assert str(made) in result.stdout
    copy = sqlite3.connect(made)
    tables = {name for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    copy.close()
    assert {"users", "customers", "calls", "recordings"} <= tables

    # restored as the README says: the copy becomes ctid.sqlite3 of a data dir, and ctid runs on it
    restored = tmp_path / "restored.toml"
    restored.write_text(f'[storage]\ndir = "{tmp_path / "restored"}"\n')
    (tmp_path / "restored").mkdir()
    made.rename(tmp_path / "restored" / "ctid.sqlite3")
    listed = subprocess.run(
        [*run, "user", "list", "-c", str(restored)], capture_output=True, text=True, timeout=60, check=False
    )
    assert listed.returncode == 0 and "wang\toperator\tmain\tactive" in listed.stdout, listed.stderr


def test_the_command_refuses_a_server_database_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pretend_asyncpg(monkeypatch, installed=True)
    config = tmp_path / "ctid.toml"
    config.write_text('[database]\nurl = "postgresql+asyncpg://ctid:pw@db.lan/ctid"\n')
    assert cli.main(["db", "backup", "-c", str(config), str(tmp_path / "copy.sqlite3")]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("ctid: ") and "pg_dump" in err and len(err.strip().splitlines()) == 1
