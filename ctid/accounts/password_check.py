"""Passwords checked under the login throttle and hashed in a worker thread.

Hashing and checking take a large fraction of a second by design (argon2), which would otherwise stall
every call and screen pop on the event loop (and hold SQLite's write lock): they run in a thread, never
inside a transaction. Checks queue one at a time and ask the throttle again at the head of the queue, so
each guess sees the failures of the guesses before it: fifty sent at once cannot all be checked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from ctid.accounts import passwords
from ctid.accounts.passwords import Passwords
from ctid.accounts.throttle import LoginThrottle
from ctid.core.errors import N_, Throttled, ValidationError


class PasswordCheck:
    def __init__(self, throttle: LoginThrottle, hasher: Passwords, monotonic: Callable[[], float]) -> None:
        self._throttle = throttle
        self._passwords = hasher
        self._monotonic = monotonic
        self._checks = asyncio.Semaphore(1)  # one password check at a time, see verify()

    async def verify(
        self, username: str, address: str, stored_hash: str | None, password: str, usable: bool = True
    ) -> bool:
        """Check a password under the login throttle; a wrong one counts as a failed login."""
        async with self._checks:
            self.refuse_if_throttled(username, address)
            if await asyncio.to_thread(self._passwords.verify, stored_hash, password) and usable:
                self._throttle.succeeded(username, address)
                return True
            self._throttle.failed(username, address, self._monotonic())
            return False

    def refuse_if_throttled(self, username: str, address: str) -> None:
        if (wait := self._throttle.retry_after(username, address, self._monotonic())) is not None:
            raise Throttled(
                N_("Too many failed logins. Try again in %(seconds)d seconds."), wait, seconds=wait
            )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._passwords.hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._passwords.needs_rehash(stored_hash)

    @staticmethod
    def check_rule(password: str, username: str) -> None:
        """Refuse a password the rules refuse (too short, the user name, ...)."""
        if problem := passwords.problem_with(password, username):
            message, params = problem
            raise ValidationError("password", message, **params)
