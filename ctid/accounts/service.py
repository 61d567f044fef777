"""Accounts: who may log in, with which role, in which branch; sessions and API tokens.

One object of five parts, each of one job: ``users``, ``sessions``, ``tokens``, ``branches`` and
``bindings`` (the lines a user's console follows). They share one clock, one permission check and one
password checker, so the app, the CLI and the tests build them together here. Every change is checked
against the actor's permissions and written to the audit log in the same transaction.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime

from ctid.accounts.bindings import Bindings
from ctid.accounts.branches import Branches
from ctid.accounts.guard import Guard
from ctid.accounts.password_check import PasswordCheck
from ctid.accounts.passwords import Passwords
from ctid.accounts.sessions import Sessions
from ctid.accounts.throttle import LoginThrottle
from ctid.accounts.token_use import TokenUse
from ctid.accounts.tokens import Tokens
from ctid.accounts.users import Users
from ctid.core.clock import utcnow
from ctid.storage.db import Database


class AccountService:
    def __init__(
        self,
        db: Database,
        throttle: LoginThrottle,
        hasher: Passwords | None = None,
        session_hours: float = 12.0,
        clock: Callable[[], datetime] = utcnow,
        monotonic: Callable[[], float] = time.monotonic,
        line_codes: Mapping[str, str] | None = None,
    ) -> None:
        """``line_codes``: each configured line's ``branch`` code (line name -> code), so that renaming a
        code a line still uses is refused (the next start would stop on it)."""
        guard = Guard(db)
        passwords = PasswordCheck(throttle, hasher or Passwords(), monotonic)
        self.branches = Branches(db, guard, clock, line_codes)
        self.users = Users(db, guard, passwords, self.branches, clock)
        self.sessions = Sessions(db, passwords, clock, session_hours)
        self.tokens = Tokens(db, guard, clock, TokenUse(db))
        self.bindings = Bindings(db, guard, clock)
