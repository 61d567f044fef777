"""Password hashing (argon2id) and the password rules users are held to."""

from __future__ import annotations

import base64
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import ARGON2_VERSION

from ctid.core.errors import N_

MIN_LENGTH = 8
MAX_LENGTH = 256
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class Passwords:
    """argon2id with the library's current defaults; rehash when they change."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy = _unmatchable(self._hasher)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Constant work whether or not the user exists, so timing does not reveal usernames."""
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def _unmatchable(hasher: PasswordHasher) -> str:
    """An argon2 hash with the hasher's own parameters that no password matches, made without hashing.

    Why: ``verify`` checks an unknown user's password against it so that the answer takes as long as for a
    known user (the work is set by the parameters in the hash, not by its bytes). Hashing a password for it
    took 0.2 s of CPU and 64 MB at every start, before the daemon answered /healthz.
    """
    salt, digest = (secrets.token_bytes(size) for size in (hasher.salt_len, hasher.hash_len))
    kind = hasher.type.name.lower()
    work = f"m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
    return f"$argon2{kind}$v={ARGON2_VERSION}${work}${_b64(salt)}${_b64(digest)}"


def _b64(data: bytes) -> str:
    """Base64 without padding, as the PHC string format of argon2 hashes writes salts and digests."""
    return base64.b64encode(data).rstrip(b"=").decode()


def rules() -> tuple[tuple[str, dict[str, int]], ...]:
    """The rules of ``problem_with`` in words (message templates and their parameters), for the form that
    asks for a new password: the page states the rules that are checked, not a copy that could drift."""
    return (
        (N_("At least %(count)d characters"), {"count": MIN_LENGTH}),
        (N_("At most %(count)d characters"), {"count": MAX_LENGTH}),
        (N_("Not the user name"), {}),
        (N_("Not the current password"), {}),
    )


def problem_with(password: str, username: str) -> tuple[str, dict[str, int]] | None:
    """Why a new password is refused (a message template and its parameters), or None.

    Deliberately simple rules, as current guidance recommends: length, and not the user name.
    """
    if len(password) < MIN_LENGTH:
        return N_("The password must be at least %(count)d characters."), {"count": MIN_LENGTH}
    if len(password) > MAX_LENGTH:
        return N_("The password must be at most %(count)d characters."), {"count": MAX_LENGTH}
    if password.strip().lower() == username.strip().lower():
        return N_("The password must not be the user name."), {}
    return None


def generate(length: int = 14) -> str:
    """A one-time password: unambiguous characters, easy to read out over the phone."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))
