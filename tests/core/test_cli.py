"""The ctid command's maintenance subcommands, on a real SQLite file."""

from __future__ import annotations

import asyncio
import io
import sqlite3
from pathlib import Path

import pytest

from ctid import __version__, cli
from ctid.app import build_services
from ctid.core.config import load
from ctid.storage.db import head_revision


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "ctid.toml"
    path.write_text(f'[storage]\ndir = "{tmp_path / "var"}"\n')
    return path


def _run(argv: list[str], capsys: pytest.CaptureFixture[str], stdin: str = "") -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdin", io.StringIO(stdin))
        status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"ctid {__version__}"


def test_db_upgrade_creates_the_schema(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(["db", "upgrade", "--config", str(config_path)], capsys)
    assert status == 0 and f"revision {head_revision()}" in out
    database = config_path.parent / "var" / "ctid.sqlite3"
    with sqlite3.connect(database) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        assert {
            "users",
            "branches",
            "sessions",
            "api_tokens",
            "audit_log",
            "calls",
            "alembic_version",
        } <= tables
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_user_add_with_password_from_stdin_then_token(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = _run(
        ["user", "add", "wang.li", "--role", "operator", "--config", str(config_path)],
        capsys,
        "s3cret-pass\n",
    )
    assert (status, err) == (0, "")
    assert "created user wang.li" in out and "one-time password" not in out

    status, out, _ = _run(
        ["token", "create", "wang.li", "--name", "crm sync", "--config", str(config_path)], capsys
    )
    assert status == 0
    secret = out.strip()
    assert secret.startswith("ctid_") and len(secret) > 30

    async def check() -> tuple[str | None, bool]:
        services = build_services(load(config_path))
        await services.db.start()
        try:
            user = await services.accounts.tokens.token_user(secret)
            session = await services.accounts.sessions.login("wang.li", "s3cret-pass", "127.0.0.1")
            return (user.username if user else None), session[2].must_change_password
        finally:
            await services.db.stop()

    assert asyncio.run(check()) == ("wang.li", False)


def test_user_add_generates_a_password_when_none_is_given(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = _run(
        ["user", "add", "zhang", "--role", "supervisor", "--config", str(config_path)], capsys
    )
    assert status == 0
    assert "one-time password:" in out


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["user", "add", "x y", "--role", "operator"], "longenough\n", "User names are"),
        (["user", "add", "li", "--role", "operator"], "short\n", "at least 8 characters"),
        (
            ["user", "add", "li", "--role", "operator", "--branch", "nowhere"],
            "",
            "No branch with code nowhere",
        ),
        (["token", "create", "ghost"], "", "No user named ghost"),
    ],
)
def test_bad_input_is_one_clear_line(
    argv: list[str], stdin: str, message: str, config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = _run([*argv, "--config", str(config_path)], capsys, stdin)
    assert status == 1
    assert message in err and len(err.strip().splitlines()) == 1


def test_duplicate_user_is_refused(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["user", "add", "chen", "--role", "operator", "--config", str(config_path)]
    assert _run(argv, capsys, "password-1\n")[0] == 0
    status, _, err = _run(argv, capsys, "password-2\n")
    assert status == 1 and "The user name chen is taken" in err


def test_reset_password_lets_a_locked_out_admin_back_in_and_ends_the_old_sessions(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config", str(config_path)]
    assert _run(["user", "add", "boss", "--role", "admin", *argv], capsys, "forgotten-pass\n")[0] == 0

    async def login(password: str) -> tuple[str, bool]:
        services = build_services(load(config_path))
        await services.db.start()
        try:
            secret, _session, user = await services.accounts.sessions.login("boss", password, "127.0.0.1")
            return secret, user.must_change_password
        finally:
            await services.db.stop()

    async def still_logged_in(secret: str) -> bool:
        services = build_services(load(config_path))
        await services.db.start()
        try:
            return await services.accounts.sessions.session(secret) is not None
        finally:
            await services.db.stop()

    old_session, _ = asyncio.run(login("forgotten-pass"))
    status, out, err = _run(["user", "reset-password", "boss", *argv], capsys)
    assert (status, err) == (0, "")
    new_password = out.split("one-time password: ")[1].strip()
    assert asyncio.run(login(new_password))[1] is True, "the new password works and must be changed"
    assert not asyncio.run(still_logged_in(old_session)), "whoever had the old password is logged out"

    status, out, _ = _run(["user", "reset-password", "boss", *argv], capsys, "chosen-by-root\n")
    assert status == 0 and "one-time password" not in out
    assert asyncio.run(login("chosen-by-root"))[1] is True

    status, _, err = _run(["user", "reset-password", "nobody", *argv], capsys)
    assert status == cli.EXIT_FAILED and err.strip() == "ctid: No user named nobody."


def test_user_list_shows_every_user_with_role_branch_and_state(
    config_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--config", str(config_path)]
    _run(["user", "add", "li.na", "--role", "operator", *argv], capsys, "operator-pass\n")
    _run(["user", "add", "zhao", "--role", "supervisor", *argv], capsys)
    status, out, _ = _run(["user", "list", *argv], capsys)
    assert status == 0
    assert out.splitlines() == [
        "user\trole\tbranch\tstate",
        "li.na\toperator\tmain\tactive",
        "zhao\tsupervisor\tmain\tactive, must change password",
    ]
