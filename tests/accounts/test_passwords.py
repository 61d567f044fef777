"""The password hasher's stand-in hash for unknown users: as costly to check as a real one, free to make."""

from __future__ import annotations

import argon2
from hypothesis import given
from hypothesis import strategies as st

from ctid.accounts.passwords import Passwords

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}


class CountingHasher(argon2.PasswordHasher):
    def __init__(self, **kw: int) -> None:
        super().__init__(**kw)
        self.hashed = 0

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashed += 1
        return super().hash(password, salt=salt)


def test_making_the_hasher_hashes_nothing() -> None:
    """A start builds one: hashing for the stand-in took 0.2 s of CPU and 64 MB before /healthz answered."""
    hasher = CountingHasher()
    Passwords(hasher)
    assert hasher.hashed == 0


def test_an_unknown_user_costs_what_a_known_one_does() -> None:
    """The stand-in carries the hasher's own parameters: argon2's work is set by them, so checking a
    password of an unknown user takes as long as a known user's (timing does not tell who exists)."""
    for kw in ({}, FAST, {"time_cost": 2, "memory_cost": 8192, "parallelism": 2, "hash_len": 16}):
        hasher = argon2.PasswordHasher(**kw)
        stand_in = Passwords(hasher)._dummy
        assert argon2.extract_parameters(stand_in) == argon2.extract_parameters(hasher.hash("x"))


@given(st.text(max_size=40))
def test_no_password_signs_in_an_unknown_user(password: str) -> None:
    passwords = Passwords(argon2.PasswordHasher(**FAST))
    assert not passwords.verify(None, password)
    assert passwords.verify(passwords.hash(password), password)
