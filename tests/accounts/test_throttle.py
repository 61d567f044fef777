"""LoginThrottle is pure (the caller passes the clock), so its rules are checked directly and by property."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ctid.accounts import throttle as throttle_module
from ctid.accounts.throttle import ADDRESS_FACTOR, MAX_KEYS, MAX_LOCKOUT_S, LoginThrottle

MAX, WINDOW, LOCKOUT = 5, 900.0, 300.0
PROPERTY = settings(max_examples=150, deadline=None)


def throttle() -> LoginThrottle:
    return LoginThrottle(MAX, WINDOW, LOCKOUT)


def fail(t: LoginThrottle, times: int, now: float, user: str = "olga", address: str = "10.0.0.5") -> None:
    for _ in range(times):
        t.failed(user, address, now)


def test_below_the_limit_nothing_is_locked() -> None:
    t = throttle()
    fail(t, MAX - 1, now=0)
    assert t.retry_after("olga", "10.0.0.5", 0) is None


def test_at_the_limit_the_user_is_locked_for_the_lockout() -> None:
    t = throttle()
    fail(t, MAX, now=100)
    assert t.retry_after("olga", "10.0.0.5", 100) == LOCKOUT
    assert t.retry_after("olga", "10.0.0.99", 100 + LOCKOUT - 1) == 1  # the user name, from anywhere
    assert t.retry_after("OLGA ", "10.0.0.5", 100) == LOCKOUT  # names compare as at login
    assert t.retry_after("olga", "10.0.0.5", 100 + LOCKOUT) is None
    assert t.retry_after("oscar", "10.0.0.5", 100) is None  # the address has a larger allowance


def test_old_failures_fall_out_of_the_window() -> None:
    t = throttle()
    fail(t, MAX - 1, now=0)
    fail(t, 1, now=WINDOW)  # the first four are exactly one window old: forgotten
    assert t.retry_after("olga", "10.0.0.5", WINDOW) is None
    fail(t, MAX - 2, now=WINDOW + 1)
    assert t.retry_after("olga", "10.0.0.5", WINDOW + 1) is None
    fail(t, 1, now=WINDOW + 2)
    assert t.retry_after("olga", "10.0.0.5", WINDOW + 2) == LOCKOUT


def test_each_lockout_doubles_up_to_an_hour() -> None:
    t = throttle()
    now, waits = 0.0, []
    for _ in range(6):
        fail(t, MAX, now)
        wait = t.retry_after("olga", "10.0.0.5", now)
        assert wait is not None
        waits.append(wait)
        now += wait
    assert waits == [300, 600, 1200, 2400, MAX_LOCKOUT_S, MAX_LOCKOUT_S]


def test_a_patient_attacker_stays_capped() -> None:
    """Weeks of guessing, one lockout after another: the wait stays at the cap and nothing overflows."""
    t = throttle()
    now = 0.0
    for _lockout in range(1100):
        fail(t, MAX, now)
        wait = t.retry_after("olga", "10.0.0.5", now)
        assert wait is not None and wait <= MAX_LOCKOUT_S
        now += wait
    assert wait == MAX_LOCKOUT_S


def test_success_forgives_the_user_but_not_the_address() -> None:
    t = throttle()
    for number in range(MAX * ADDRESS_FACTOR - 1):
        t.failed(f"user{number}", "10.0.0.5", 0)
    t.succeeded("user0", "10.0.0.5")
    assert t.retry_after("someone", "10.0.0.5", 0) is None
    t.failed("someone", "10.0.0.5", 0)
    assert t.retry_after("anyone", "10.0.0.5", 0) == LOCKOUT
    assert t.retry_after("anyone", "10.0.0.6", 0) is None


def test_success_resets_the_count_and_the_doubling() -> None:
    t = throttle()
    fail(t, MAX, now=0)
    t.succeeded("olga", "10.0.0.5")
    assert t.retry_after("olga", "10.0.0.5", 0) is None
    fail(t, MAX, now=1)
    assert t.retry_after("olga", "10.0.0.5", 1) == LOCKOUT


def test_a_spray_of_names_costs_little_and_is_forgotten() -> None:
    """Memory is reclaimed once records can no longer matter, and a flood of distinct names does not
    make each failure walk the whole table (that cost a minute of event-loop time for 10,000 names)."""
    t = throttle()
    started = time.process_time()
    for number in range(3 * MAX_KEYS):
        t.failed(f"spray{number}", f"10.1.{number // 250}.{number % 250}", now=number * 0.001)
    assert time.process_time() - started < 5.0
    # long after the window, fresh failures push the table past its next scan, which drops the old ones
    for number in range(len(t._records)):
        t.failed(f"late{number}", "10.9.9.9", now=10 * WINDOW)
    assert not any(key.startswith("user:spray") for key in t._records)


def test_records_that_still_matter_survive_a_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle_module, "MAX_KEYS", 10)
    t = throttle()
    fail(t, MAX, now=0, user="target")
    for number in range(50):
        t.failed(f"other{number}", f"10.2.0.{number}", now=LOCKOUT / 2)
    assert t.retry_after("target", "10.0.0.5", LOCKOUT / 2) == LOCKOUT / 2
    assert t.retry_after("other1", "10.2.0.1", LOCKOUT / 2) is None


@PROPERTY
@given(
    events=st.lists(
        st.tuples(st.floats(0, 2 * WINDOW, allow_nan=False), st.sampled_from(["olga", "OLGA", "oscar"])),
        max_size=30,
    )
)
def test_retry_after_is_never_negative_nor_beyond_the_cap(events: list[tuple[float, str]]) -> None:
    t = throttle()
    now = 0.0
    for step, user in events:
        now += step
        t.failed(user, "10.0.0.5", now)
        for who in ("olga", "oscar", "nobody"):
            wait = t.retry_after(who, "10.0.0.5", now)
            assert wait is None or 0 < wait <= MAX_LOCKOUT_S


@PROPERTY
@given(gaps=st.lists(st.floats(WINDOW / (MAX - 1), 10 * WINDOW, allow_nan=False), max_size=40))
def test_slow_guessing_is_never_locked(gaps: list[float]) -> None:
    """Fewer than MAX failures in any window: a forgetful user is never locked out."""
    t = throttle()
    now = 0.0
    for gap in gaps:
        now += gap
        assert t.retry_after("olga", "10.0.0.5", now) is None
        t.failed("olga", "10.0.0.5", now)


class ThrottleModel(RuleBasedStateMachine):
    """Against a plain model: MAX failures inside a window lock a user; the lock lasts its doubled time."""

    def __init__(self) -> None:
        super().__init__()
        self.throttle = throttle()
        self.now = 0.0
        self.failures: dict[str, list[float]] = {}
        self.locked_until: dict[str, float] = {}
        self.lockouts: dict[str, int] = {}

    def locked(self, user: str) -> bool:
        return self.locked_until.get(user, 0.0) > self.now

    @rule(seconds=st.floats(0, 2 * LOCKOUT, allow_nan=False))
    def wait(self, seconds: float) -> None:
        self.now += seconds

    @rule(user=st.sampled_from(["olga", "oscar"]))
    def wrong_password(self, user: str) -> None:
        if self.locked(user):
            return  # the service never gets as far as counting a failure while locked
        # each user at their own address, so the per-address rule stays out of this model
        self.throttle.failed(user, f"addr-{user}", self.now)
        window = [t for t in self.failures.get(user, []) if self.now - t < WINDOW] + [self.now]
        if len(window) >= MAX:
            self.lockouts[user] = self.lockouts.get(user, 0) + 1
            length = min(LOCKOUT * 2 ** (self.lockouts[user] - 1), MAX_LOCKOUT_S)
            self.locked_until[user] = self.now + length
            window = []
        self.failures[user] = window

    @precondition(lambda self: any(not self.locked(u) for u in ("olga", "oscar")))
    @rule(user=st.sampled_from(["olga", "oscar"]))
    def right_password(self, user: str) -> None:
        if self.locked(user):
            return
        self.throttle.succeeded(user, f"addr-{user}")
        self.failures[user], self.lockouts[user] = [], 0
        self.locked_until.pop(user, None)

    @invariant()
    def agrees_with_the_model(self) -> None:
        for user in ("olga", "oscar"):
            wait = self.throttle.retry_after(user, f"addr-{user}", self.now)
            if self.locked(user):
                assert wait is not None
                assert abs(wait - (self.locked_until[user] - self.now)) < 1e-6
            else:
                assert wait is None


TestThrottleModel = ThrottleModel.TestCase
TestThrottleModel.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
