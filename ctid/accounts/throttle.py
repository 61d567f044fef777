"""Login throttling per user name and per address (pure: the caller passes the clock).

After ``max_failures`` wrong passwords within ``window_s`` a key is locked for ``lockout_s``; each further
lockout doubles, up to an hour. An address gets four times the allowance of a user name because a shop's
operators may share one NAT address. State lives in memory: a restart forgives, which is acceptable for a
LAN daemon and keeps the database free of attack noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ADDRESS_FACTOR = 4
MAX_LOCKOUT_S = 3600.0
MAX_KEYS = 10_000


@dataclass
class _Record:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0
    lockouts: int = 0


class LoginThrottle:
    def __init__(self, max_failures: int = 5, window_s: float = 900, lockout_s: float = 300) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._records: dict[str, _Record] = {}
        self._prune_above = MAX_KEYS

    @staticmethod
    def keys(username: str, address: str) -> tuple[str, str]:
        return f"user:{username.strip().lower()}", f"addr:{address}"

    def retry_after(self, username: str, address: str, now: float) -> float | None:
        """Seconds until a login may be tried again, or None if it may be tried now."""
        waits = [r.locked_until - now for k in self.keys(username, address) if (r := self._records.get(k))]
        wait = max(waits, default=0.0)
        return wait if wait > 0 else None

    def failed(self, username: str, address: str, now: float) -> None:
        user_key, address_key = self.keys(username, address)
        self._fail(user_key, self.max_failures, now)
        self._fail(address_key, self.max_failures * ADDRESS_FACTOR, now)
        self._prune(now)

    def succeeded(self, username: str, address: str) -> None:
        self._records.pop(self.keys(username, address)[0], None)

    def _fail(self, key: str, limit: int, now: float) -> None:
        record = self._records.setdefault(key, _Record())
        record.failures = [t for t in record.failures if now - t < self.window_s]
        record.failures.append(now)
        if len(record.failures) >= limit:
            record.lockouts += 1
            # the exponent is capped: 2 ** 1024 does not fit a float, and a patient attacker gets there
            doubling = 2.0 ** min(record.lockouts - 1, 32)
            record.locked_until = now + min(self.lockout_s * doubling, MAX_LOCKOUT_S)
            record.failures.clear()

    def _prune(self, now: float) -> None:
        """Forget records that can no longer lock anyone, once there are many.

        The next scan waits until the table has doubled: scanning at every failure once past MAX_KEYS
        made each failed login cost a walk over every record (a minute of CPU for a spray of 10,000
        names, all of it on the event loop); now a failure costs O(1) amortised.
        """
        if len(self._records) <= self._prune_above:
            return
        stale = [
            k
            for k, r in self._records.items()
            if r.locked_until < now and all(now - t >= self.window_s for t in r.failures)
        ]
        for key in stale:
            del self._records[key]
        self._prune_above = max(MAX_KEYS, 2 * len(self._records))
