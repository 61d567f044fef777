"""The ``ctid`` command.

Exit status: 0 done, 1 failed at run time (port in use, another daemon, bad input to a command),
2 bad configuration or bad command line. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from ctid import __version__, config, control, private_files
from ctid.accounts import passwords
from ctid.accounts.models import Actor, Role, User
from ctid.accounts.service import NewUser, UserChanges
from ctid.app import Services, build_services
from ctid.errors import CtidError
from ctid.paging import MAX_PER_PAGE, PageRequest

EXIT_FAILED = 1
EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    umask = private_files.restrict_umask()  # every command (the daemon, root's) makes private files
    try:
        return handler(args)
    except config.ConfigError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except CtidError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    finally:
        os.umask(umask)  # as it was, for a caller in the same process (the tests)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ctid", description="CTI daemon for dealership service desks")
    parser.add_argument("--version", action="version", version=f"ctid {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the daemon")
    _config_option(run)
    run.set_defaults(handler=_run)

    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("path", nargs="?", help="config file (default: $CTID_CONFIG or embedded defaults)")
    check.set_defaults(handler=_check_config)

    db = commands.add_parser("db", help="database maintenance").add_subparsers(
        required=True, metavar="ACTION"
    )
    upgrade = db.add_parser("upgrade", help="apply pending migrations")
    _config_option(upgrade)
    upgrade.set_defaults(handler=_db_upgrade)
    backup = db.add_parser("backup", help="copy the database while ctid runs (SQLite), checked, in one file")
    backup.add_argument("destination", help="a file that does not exist yet, or a directory for a dated file")
    _config_option(backup)
    backup.set_defaults(handler=_db_backup)

    user = commands.add_parser("user", help="manage users").add_subparsers(required=True, metavar="ACTION")
    add = user.add_parser("add", help="add a user (password from stdin, or generated and printed)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--branch", help="branch code (default: the first branch)")
    add.add_argument("--display-name", default="")
    _config_option(add)
    add.set_defaults(handler=_user_add)
    reset = user.add_parser(
        "reset-password", help="set a new password (from stdin, or generated and printed); ends its sessions"
    )
    reset.add_argument("name")
    _config_option(reset)
    reset.set_defaults(handler=_user_reset_password)
    listing = user.add_parser("list", help="list the users: name, role, branch, state")
    _config_option(listing)
    listing.set_defaults(handler=_user_list)

    line = commands.add_parser("line", help="phone lines").add_subparsers(required=True, metavar="ACTION")
    simulate = line.add_parser("simulate", help="make a simulated line of a running daemon ring")
    simulate.add_argument("name", help='the line\'s name (a driver = "sim" line)')
    simulate.add_argument("--number", default="", help="the caller's number (empty: no caller ID)")
    simulate.add_argument("--name", dest="caller_name", default="", help="the caller's name")
    simulate.add_argument("--rings", type=int, default=3, help="how many times it rings (default 3)")
    simulate.add_argument("--answer-after", type=int, default=None, help="answered after this many rings")
    simulate.add_argument("--talk", type=float, default=5.0, help="seconds an answered call lasts (5)")
    _config_option(simulate)
    simulate.set_defaults(handler=_line_simulate)
    _add_line_live_commands(line)

    callerid = commands.add_parser("callerid", help="caller ID tools").add_subparsers(
        required=True, metavar="ACTION"
    )
    decode = callerid.add_parser("decode", help="print the caller ID in a recording of a line (WAV)")
    decode.add_argument("file", help="a WAV recording: 8 to 48 kHz, 8 to 32-bit PCM, mono or stereo")
    decode.add_argument("--plan", choices=["auto", "bell202", "v23"], default="auto", help="FSK tone plan")
    decode.add_argument("--verbose", "-v", action="store_true", help="also refused frames and other digits")
    decode.set_defaults(handler=_callerid_decode)

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(
        required=True, metavar="ACTION"
    )
    create = token.add_parser("create", help="create an API token for a user (printed once)")
    create.add_argument("user")
    create.add_argument("--name", default="cli", help="what the token is for")
    _config_option(create)
    create.set_defaults(handler=_token_create)
    return parser


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", "-c", help="config file (default: $CTID_CONFIG or embedded defaults)")


def _load(path: str | None) -> config.Config:
    return config.load(path or os.environ.get("CTID_CONFIG") or None)


def _run(args: argparse.Namespace) -> int:
    from ctid.app import run

    return run(_load(args.config))


def _check_config(args: argparse.Namespace) -> int:
    loaded = _load(args.path)
    print(
        f"{loaded.source}: OK ({len(loaded.lines)} line(s), database {loaded.database_url.split(':', 1)[0]})"
    )
    return 0


def _with_services(args: argparse.Namespace, action: Callable[[Services], Awaitable[Any]]) -> Any:
    services = build_services(_load(args.config))
    services.config.data_dir.mkdir(parents=True, exist_ok=True)

    async def go() -> Any:
        await services.db.start()
        try:
            return await action(services)
        finally:
            await services.db.stop()

    return asyncio.run(go())


def _db_upgrade(args: argparse.Namespace) -> int:
    from ctid.db import head_revision

    _with_services(args, lambda services: asyncio.sleep(0))
    print(f"database is at revision {head_revision()}")
    return 0


def _db_backup(args: argparse.Namespace) -> int:
    from datetime import datetime

    from ctid.backup import backup, backup_path
    from ctid.db import sqlite_file

    loaded = _load(args.config)
    source = sqlite_file(loaded.database_url)
    if source is None:
        raise CtidError("the database is not an SQLite file: back it up with its server's tools (pg_dump)")
    report = backup(source, backup_path(args.destination, datetime.now()))
    print(f"backed up {source} to {report.path}: {report.bytes / 1e6:.1f} MB in {report.seconds:.1f} s")
    return 0


def _user_add(args: argparse.Namespace) -> int:
    password = _read_password()

    async def add(services: Services) -> tuple[str, str]:
        accounts = services.accounts
        branch = await (accounts.branch_by_code(args.branch) if args.branch else accounts.default_branch())
        new = NewUser(args.name, Role(args.role), branch.id, args.display_name, password, not password)
        user, initial = await accounts.create_user(Actor.system("cli"), new)
        return user.username, initial

    username, initial = _with_services(args, add)
    print(f"created user {username}")
    if not password:
        print(f"one-time password: {initial}  (the user must change it at first login)")
    return 0


def _user_reset_password(args: argparse.Namespace) -> int:
    """For the admin who forgot the password and has no other admin to ask: the box's root can."""
    password = _read_password()

    new = password or passwords.generate()

    async def reset(services: Services) -> str:
        accounts = services.accounts
        user = await accounts.user_by_name(args.name)
        await accounts.update_user(Actor.system("cli"), user.id, UserChanges(new_password=new))
        return "" if user.active else " (the account is deactivated: an admin can activate it)"

    note = _with_services(args, reset)
    print(f"password of {args.name} reset; it must be changed at the next login{note}")
    if not password:
        print(f"one-time password: {new}")
    return 0


def _user_list(args: argparse.Namespace) -> int:
    async def listing(services: Services) -> list[str]:
        accounts = services.accounts
        branches = {b.id: b.code for b in await accounts.list_branches()}
        rows, page = [], 1
        while True:
            found = await accounts.list_users(PageRequest(page, MAX_PER_PAGE))
            rows += [_user_row(u, branches.get(u.branch_id, "?")) for u in found.items]
            if page >= found.pages:
                return rows
            page += 1

    print("\n".join(["user\trole\tbranch\tstate", *_with_services(args, listing)]))
    return 0


def _user_row(user: User, branch: str) -> str:
    state = "active" if user.active else "deactivated"
    if user.must_change_password:
        state += ", must change password"
    return "\t".join([user.username, user.role.value, branch, state])


def _read_password() -> str:
    """From stdin when piped; asked twice on a terminal; empty means generate one."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password (empty: generate one): ")
    if first and getpass.getpass("again: ") != first:
        raise CtidError("the two passwords differ")
    return first


def _line_simulate(args: argparse.Namespace) -> int:
    loaded = _load(args.config)
    request = {
        "line": args.name,
        "number": args.number,
        "name": args.caller_name,
        "rings": args.rings,
        "answer_after": args.answer_after,
        "talk_s": args.talk,
    }
    try:
        asyncio.run(control.send(loaded.data_dir / "ctid.sock", "simulate", **request))
    except control.ControlError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"line {args.name} is ringing")
    return 0


def _add_line_live_commands(line: Any) -> None:
    """``line test`` (open a configured line here) and ``line watch`` (a running daemon's line events)."""
    test = line.add_parser("test", help="open a line from the config here and show its init and events live")
    test.add_argument("name", help="the line's name in the config")
    _config_option(test)
    test.set_defaults(handler=_line_test)
    watch = line.add_parser("watch", help="show the line events of a running daemon live")
    watch.add_argument("name", nargs="?", help="only this line (default: all)")
    _config_option(watch)
    watch.set_defaults(handler=_line_watch)


def _line_test(args: argparse.Namespace) -> int:
    from ctid.voicecard.console import line_test

    loaded = _load(args.config)
    found = [line for line in loaded.lines if line.name == args.name]
    if not found:
        known = ", ".join(line.name for line in loaded.lines) or "none"
        print(f"ctid: no line named {args.name!r} in {loaded.source} (lines: {known})", file=sys.stderr)
        return EXIT_FAILED
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(line_test(found[0], sys.stdout))
    return 0


def _line_watch(args: argparse.Namespace) -> int:
    from ctid.voicecard.console import line_watch

    loaded = _load(args.config)
    try:
        asyncio.run(line_watch(loaded.data_dir / "ctid.sock", args.name, sys.stdout))
    except control.ControlError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return 0


def _callerid_decode(args: argparse.Namespace) -> int:
    """One JSON line per caller ID heard (``number``, ``name``, ``reason``, ``format``, ``time_s``)."""
    import json
    from pathlib import Path

    from ctid.voicecard.dsp.report import heard_json
    from ctid.voicecard.dsp.wavfile import WavError, decode_wav

    found = 0
    try:
        info, heard = decode_wav(Path(args.file), args.plan)
        for item in heard:
            line = heard_json(item, verbose=args.verbose)
            if line is not None:
                found += "number" in line
                print(json.dumps(line, ensure_ascii=False), flush=True)
    except WavError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{args.file}: {found} caller ID(s) in {info.seconds:.1f} s of audio", file=sys.stderr)
    return 0


def _token_create(args: argparse.Namespace) -> int:
    async def create(services: Services) -> str:
        user = await services.accounts.user_by_name(args.user)
        secret, _token = await services.accounts.create_token(Actor.system("cli"), user.id, args.name)
        return secret

    print(_with_services(args, create))
    return 0
