"""``ctid user add|reset-password|list`` and ``ctid token create``: the accounts, on the database directly.

They build the database and the account service alone, as ``ctid.app.build_services`` builds them, not the
whole daemon: no web, lines, CRM or recorder to import for a user's row."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from ctid.accounts import passwords
from ctid.accounts.models import Role, User
from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.users import NewUser, UserChanges
from ctid.audit.models import Actor
from ctid.cli.settings import load_config
from ctid.core.errors import CtidError
from ctid.core.paging import MAX_PER_PAGE, PageRequest
from ctid.lineplan.plan import configured_codes
from ctid.storage.db import Database

T = TypeVar("T")


def with_accounts(args: argparse.Namespace, action: Callable[[AccountService], Awaitable[T]]) -> T:
    """``action(accounts)`` on the configured database, migrated first if it is behind (as at a start)."""
    loaded = load_config(args.config)
    loaded.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(loaded.database_url, keep_in_memory=False)  # a command's few rows: no file to keep warm
    security = loaded.security
    throttle = LoginThrottle(security.login_max_failures, security.login_window_s, security.login_lockout_s)
    line_codes = configured_codes(loaded.lines)
    accounts = AccountService(db, throttle, session_hours=loaded.web.session_hours, line_codes=line_codes)

    async def go() -> T:
        await db.start()
        try:
            return await action(accounts)
        finally:
            await db.stop()

    return asyncio.run(go())


def user_add(args: argparse.Namespace) -> int:
    password = _read_password()

    async def add(accounts: AccountService) -> tuple[str, str]:
        branch = await (
            accounts.branches.branch_by_code(args.branch)
            if args.branch
            else accounts.branches.default_branch()
        )
        new = NewUser(args.name, Role(args.role), branch.id, args.display_name, password, not password)
        user, initial = await accounts.users.create_user(Actor.system("cli"), new)
        return user.username, initial

    username, initial = with_accounts(args, add)
    print(f"created user {username}")
    if not password:
        print(f"one-time password: {initial}  (the user must change it at first login)")
    return 0


def user_reset_password(args: argparse.Namespace) -> int:
    """For the admin who forgot the password and has no other admin to ask: the box's root can."""
    password = _read_password()
    new = password or passwords.generate()

    async def reset(accounts: AccountService) -> str:
        user = await accounts.users.user_by_name(args.name)
        await accounts.users.update_user(Actor.system("cli"), user.id, UserChanges(new_password=new))
        return "" if user.active else " (the account is deactivated: an admin can activate it)"

    note = with_accounts(args, reset)
    print(f"password of {args.name} reset; it must be changed at the next login{note}")
    if not password:
        print(f"one-time password: {new}")
    return 0


def user_list(args: argparse.Namespace) -> int:
    async def listing(accounts: AccountService) -> list[str]:
        branches = {b.id: b.code for b in await accounts.branches.list_branches()}
        rows, page = [], 1
        while True:
            found = await accounts.users.list_users(PageRequest(page, MAX_PER_PAGE))
            rows += [_user_row(u, branches.get(u.branch_id, "?")) for u in found.items]
            if page >= found.pages:
                return rows
            page += 1

    print("\n".join(["user\trole\tbranch\tstate", *with_accounts(args, listing)]))
    return 0


def token_create(args: argparse.Namespace) -> int:
    async def create(accounts: AccountService) -> str:
        user = await accounts.users.user_by_name(args.user)
        secret, _token = await accounts.tokens.create_token(Actor.system("cli"), user.id, args.name)
        return secret

    print(with_accounts(args, create))
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
