"""The ``ctid`` command.

Exit status: 0 done, 1 failed at run time (port in use, another daemon, bad input to a command),
2 bad configuration or bad command line. Errors are one line on stderr, never a traceback.

Each verb lives in a module of its own (``ctid.cli.accounts``, ``ctid.cli.lines``, ...) imported only when
that verb runs. Why: the daemon's imports (SQLAlchemy, aiohttp, jinja2, numpy, the migrations) take about a
second; ``ctid --version`` or ``ctid line simulate`` need none of them and answer in a tenth of that.
tests/core/test_cli_imports.py holds each verb to what it needs.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from dataclasses import dataclass

from ctid import __version__
from ctid.core import private_files
from ctid.core.errors import CtidError

EXIT_FAILED = 1
EXIT_CONFIG = 2
ROLES = ("admin", "supervisor", "operator", "advisor")
"""``ctid.accounts.models.Role``'s values (a test keeps them equal), without importing the accounts."""


@dataclass(frozen=True)
class Verb:
    """A verb's function by name (``"accounts.user_add"`` in ``ctid.cli``), imported when it runs."""

    target: str

    def __call__(self, args: argparse.Namespace) -> int:
        """The verb's module is imported with the garbage collector off: what an import builds is kept,
        and collecting it again and again as it grows was a tenth of the import (SQLAlchemy's, the
        daemon's). ``ctid run`` keeps it off until the daemon is ready (ctid.cli.daemon)."""
        module, function = self.target.rsplit(".", 1)
        gc.disable()
        try:
            handler = getattr(importlib.import_module(f"ctid.cli.{module}"), function)
        finally:
            gc.enable()
        status: int = handler(args)
        return status


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    verb: Verb = args.verb
    from ctid.core.config import ConfigError  # after parsing: ``--version`` and ``--help`` need no config

    umask = private_files.restrict_umask()  # every command (the daemon, root's) makes private files
    try:
        return verb(args)
    except ConfigError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except CtidError as exc:
        print(f"ctid: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return EXIT_FAILED
    finally:
        os.umask(umask)  # as it was, for a caller in the same process (the tests)


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ctid", description="CTI daemon for dealership service desks")
    parser.add_argument("--version", action="version", version=f"ctid {__version__}")
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run the daemon")
    _config_option(run)
    run.set_defaults(verb=Verb("daemon.run"))

    check = commands.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("path", nargs="?", help="config file (default: $CTID_CONFIG or embedded defaults)")
    check.set_defaults(verb=Verb("settings.check_config"))

    _add_db_commands(commands)
    _add_user_commands(commands)
    _add_line_commands(commands)
    _add_reminder_commands(commands)
    _add_sms_commands(commands)

    callerid = commands.add_parser("callerid", help="caller ID tools").add_subparsers(
        required=True, metavar="ACTION"
    )
    decode = callerid.add_parser("decode", help="print the caller ID in a recording of a line (WAV)")
    decode.add_argument("file", help="a WAV recording: 8 to 48 kHz, 8 to 32-bit PCM, mono or stereo")
    decode.add_argument("--plan", choices=["auto", "bell202", "v23"], default="auto", help="FSK tone plan")
    decode.add_argument("--verbose", "-v", action="store_true", help="also refused frames and other digits")
    decode.set_defaults(verb=Verb("callerid.decode"))

    token = commands.add_parser("token", help="manage API tokens").add_subparsers(
        required=True, metavar="ACTION"
    )
    create = token.add_parser("create", help="create an API token for a user (printed once)")
    create.add_argument("user")
    create.add_argument("--name", default="cli", help="what the token is for")
    _config_option(create)
    create.set_defaults(verb=Verb("accounts.token_create"))
    return parser


def _add_reminder_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reminders = commands.add_parser("reminders", help="the daily reminder queue").add_subparsers(
        required=True, metavar="ACTION"
    )
    run = reminders.add_parser("run", help="build a day's reminder queue now (again: adds nothing twice)")
    run.add_argument("--date", help="the day to build, YYYY-MM-DD (default: today in [site] timezone)")
    _config_option(run)
    run.set_defaults(verb=Verb("reminders.run"))


def _config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", "-c", help="config file (default: $CTID_CONFIG or embedded defaults)")


def _add_db_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = commands.add_parser("db", help="database maintenance").add_subparsers(
        required=True, metavar="ACTION"
    )
    upgrade = db.add_parser("upgrade", help="apply pending migrations")
    _config_option(upgrade)
    upgrade.set_defaults(verb=Verb("database.upgrade"))
    backup = db.add_parser("backup", help="copy the database while ctid runs (SQLite), checked, in one file")
    backup.add_argument("destination", help="a file that does not exist yet, or a directory for a dated file")
    _config_option(backup)
    backup.set_defaults(verb=Verb("database.backup"))
    copy = db.add_parser(
        "copy", help="copy a whole database into an empty one (a shop's SQLite into a group's PostgreSQL)"
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL", help="the database to copy")
    copy.add_argument("--to", dest="target", required=True, metavar="URL", help="an empty database")
    copy.set_defaults(verb=Verb("database_copy.copy"))


def _add_user_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = commands.add_parser("user", help="manage users").add_subparsers(required=True, metavar="ACTION")
    add = user.add_parser("add", help="add a user (password from stdin, or generated and printed)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--branch", help="branch code (default: the first branch)")
    add.add_argument("--display-name", default="")
    _config_option(add)
    add.set_defaults(verb=Verb("accounts.user_add"))
    reset = user.add_parser(
        "reset-password", help="set a new password (from stdin, or generated and printed); ends its sessions"
    )
    reset.add_argument("name")
    _config_option(reset)
    reset.set_defaults(verb=Verb("accounts.user_reset_password"))
    listing = user.add_parser("list", help="list the users: name, role, branch, state")
    _config_option(listing)
    listing.set_defaults(verb=Verb("accounts.user_list"))


def _add_line_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    line = commands.add_parser("line", help="phone lines").add_subparsers(required=True, metavar="ACTION")
    simulate = line.add_parser("simulate", help="make a simulated line of a running daemon ring")
    simulate.add_argument("name", help='the line\'s name (a driver = "sim" line)')
    simulate.add_argument("--number", default="", help="the caller's number (empty: no caller ID)")
    simulate.add_argument("--name", dest="caller_name", default="", help="the caller's name")
    simulate.add_argument("--rings", type=int, default=3, help="how many times it rings (default 3)")
    simulate.add_argument("--answer-after", type=int, default=None, help="answered after this many rings")
    simulate.add_argument("--talk", type=float, default=5.0, help="seconds an answered call lasts (5)")
    _config_option(simulate)
    simulate.set_defaults(verb=Verb("lines.simulate"))
    test = line.add_parser("test", help="open a line from the config here and show its init and events live")
    test.add_argument("name", help="the line's name in the config")
    _config_option(test)
    test.set_defaults(verb=Verb("lines.test"))
    watch = line.add_parser("watch", help="show the line events of a running daemon live")
    watch.add_argument("name", nargs="?", help="only this line (default: all)")
    _config_option(watch)
    watch.set_defaults(verb=Verb("lines.watch"))


def _add_sms_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sms = commands.add_parser("sms", help="SMS senders").add_subparsers(required=True, metavar="ACTION")
    test = sms.add_parser("test", help="send one SMS through a configured sender here and show what happens")
    test.add_argument("name", help="the sender's name in the config ([[sms.senders]])")
    test.add_argument("--to", required=True, help="the recipient (+8613912345678)")
    test.add_argument(
        "--text", default="ctid SMS test / 短信测试", help="the text (a modem, the template gateway)"
    )
    test.add_argument("--template", default=None, help="template code (Aliyun) or id (Tencent)")
    test.add_argument(
        "--param", action="append", default=[], metavar="KEY=VALUE", help="a template parameter"
    )
    test.add_argument("--wait", type=float, default=0.0, help="seconds to wait for reports and replies after")
    _config_option(test)
    test.set_defaults(verb=Verb("sms.test"))
