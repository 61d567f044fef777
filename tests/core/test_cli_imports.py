"""Each ``ctid`` verb imports what it needs and no more: the daemon's imports took a second of every command.

The figures are bench/startup.py's; this holds the structure that makes them, so that a later change that
imports the whole daemon again for ``ctid --version`` fails here."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ctid import cli
from ctid.accounts.models import Role

RECORD_IMPORTS = """
import atexit, json, runpy, sys
record, sys.argv = sys.argv[1], ["ctid", *sys.argv[2:]]
atexit.register(lambda: open(record, "w").write(json.dumps(sorted(sys.modules))))
runpy.run_module("ctid", run_name="__main__", alter_sys=True)
"""

DAEMON = ("sqlalchemy", "aiohttp", "jinja2", "alembic", "numpy", "ctid.app", "ctid.web", "ctid.crm")
"""What the daemon imports and a light verb must not: each takes tens of milliseconds, most hundreds."""
ACCOUNTS = ("argon2", "sqlalchemy", "aiosqlite")
UNUSED_AT_START = ("alembic", "psutil", "numpy", "openpyxl", "ctid.sampledata")
"""What a daemon's start on a database at the newest revision needs none of (the demo's data set: demo mode
only; psutil: the cache warmer's thread, once running; numpy: audio lines)."""


def imported(tmp_path: Path, *argv: str, stdin: str = "") -> set[str]:
    """The modules ``ctid ARGV`` imported, run as a process of its own."""
    record = tmp_path / "modules.json"
    command = [sys.executable, "-c", RECORD_IMPORTS, str(record), *argv]
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=60)
    assert record.exists(), done.stderr
    return set(json.loads(record.read_text()))


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(p for p in packages if any(m == p or m.startswith(p + ".") for m in modules))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "ctid.toml"
    path.write_text(f'[storage]\ndir = "{tmp_path / "var"}"\n[[lines]]\nname = "desk"\ndriver = "sim"\n')
    return path


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["--help"], ["check-config", "{config}"], ["line", "simulate", "desk", "-c", "{config}"]],
    ids=["version", "help", "check-config", "line-simulate"],
)
def test_light_verbs_import_nothing_of_the_daemon(argv: list[str], config: Path, tmp_path: Path) -> None:
    """``line simulate`` talks to the daemon's socket (none runs here: it fails after its imports)."""
    modules = imported(tmp_path, *(arg.format(config=config) for arg in argv))
    assert loaded(modules, (*DAEMON, "argon2", "babel")) == []


def test_user_verbs_import_the_accounts_and_the_database_only(config: Path, tmp_path: Path) -> None:
    """A database at the newest revision needs no Alembic (ctid.storage.db.upgrade reads the revision)."""
    assert cli.main(["db", "upgrade", "-c", str(config)]) == 0
    added = imported(
        tmp_path, "user", "add", "ann", "--role", "operator", "-c", str(config), stdin="pw-of-ann\n"
    )
    listed = imported(tmp_path, "user", "list", "-c", str(config))
    for modules in (added, listed):
        assert loaded(modules, (*DAEMON, "psutil")) == ["sqlalchemy"]
        assert loaded(modules, ACCOUNTS) == sorted(ACCOUNTS)
    assert cli.main(["user", "list", "-c", str(config)]) == 0  # ann was added


def test_the_reminders_run_imports_the_queue_not_the_web(config: Path, tmp_path: Path) -> None:
    """``ctid reminders run`` builds the queue from the CRM's tables: no web, no Alembic at the head."""
    assert cli.main(["db", "upgrade", "-c", str(config)]) == 0
    modules = imported(tmp_path, "reminders", "run", "-c", str(config))
    assert "ctid.reminders.build" in modules
    assert loaded(modules, (*DAEMON, "psutil")) == ["ctid.crm", "sqlalchemy"]


def test_the_daemons_imports_leave_out_what_its_start_does_not_use(tmp_path: Path) -> None:
    record = tmp_path / "modules.json"
    dump = f"open({str(record)!r}, 'w').write(json.dumps(list(sys.modules)))"
    code = f"import json, sys, ctid.app, ctid.web.server; {dump}"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert loaded(set(json.loads(record.read_text())), UNUSED_AT_START) == []


def test_callerid_decode_imports_the_dsp_not_the_daemon(tmp_path: Path) -> None:
    wav = tmp_path / "silence.wav"
    wav.write_bytes(
        b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00@\x1f\x00\x00\x80>\x00\x00"
        b"\x02\x00\x10\x00data\x00\x00\x00\x00"
    )
    modules = imported(tmp_path, "callerid", "decode", str(wav))
    assert "ctid.voicecard.dsp.decoder" in modules
    assert loaded(modules, DAEMON) == ["numpy"]


def test_every_verb_names_a_function_that_exists() -> None:
    """Verbs are named as text (so that their modules load only when they run): each must resolve."""
    verbs = []
    pending = [cli.parser()]
    while pending:
        parser = pending.pop()
        if isinstance(verb := parser.get_default("verb"), cli.Verb):
            verbs.append(verb)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                pending += action.choices.values()
    assert len(verbs) == 15
    for verb in verbs:
        module, function = verb.target.rsplit(".", 1)
        assert callable(getattr(__import__(f"ctid.cli.{module}", fromlist=[function]), function)), verb


def test_the_roles_offered_are_the_accounts_roles() -> None:
    assert tuple(role.value for role in Role) == cli.ROLES
