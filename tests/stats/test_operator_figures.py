"""The per-operator figures, pure (ctid.stats.operators): who handled what, missed against whom, returned
how fast, ring and talk time, by day in the site's time zone and by line."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from ctid.stats.operators import CallFacts, by_day, by_line, figures

T0 = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
SHANGHAI = ZoneInfo("Asia/Shanghai")


def call(n: int, **values: object) -> CallFacts:
    base: dict[str, object] = {
        "id": f"c{n}",
        "line": "desk",
        "direction": "inbound",
        "outcome": "answered",
        "started_at": T0 + timedelta(minutes=n),
        "answered_at": T0 + timedelta(minutes=n, seconds=6),
        "ended_at": T0 + timedelta(minutes=n, seconds=66),
        "talk_s": 60.0,
        "handled_by": 1,
    }
    return CallFacts(**{**base, **values})  # type: ignore[arg-type]


def missed(n: int, against: tuple[int, ...], returned_after_s: float | None) -> CallFacts:
    ended = T0 + timedelta(minutes=n, seconds=20)
    back = None if returned_after_s is None else ended + timedelta(seconds=returned_after_s)
    return call(n, outcome="missed", answered_at=None, ended_at=ended, talk_s=None, handled_by=None,
                missed_by=against, returned_at=back)  # fmt: skip


def test_each_operator_s_answered_outbound_missed_returned_ring_and_talk_time() -> None:
    calls = [
        call(1),
        call(2, answered_at=T0 + timedelta(minutes=2, seconds=10), talk_s=30.0),
        call(3, direction="outbound", outcome="connected", talk_s=90.0),
        call(4, handled_by=2),
        missed(5, (1, 2), 120),
        missed(6, (1,), 600),
        missed(7, (1,), None),
    ]
    found = figures(calls)
    olga, pete = found[(1, "")], found[(2, "")]
    assert (olga.calls, olga.answered, olga.outbound, olga.missed, olga.returned) == (3, 2, 1, 3, 2)
    assert olga.talk_s == 180.0 and olga.ring_s == 8.0  # (6 + 10) / 2: outbound calls do not ring
    assert olga.median_return_s == 360.0  # 120 and 600
    assert (pete.calls, pete.answered, pete.missed, pete.returned, pete.median_return_s) == (
        1,
        1,
        1,
        1,
        120.0,
    )


def test_nothing_to_count_leaves_the_times_empty() -> None:
    found = figures([missed(1, (3,), None)])
    assert found[(3, "")].ring_s is None and found[(3, "")].median_return_s is None
    assert figures([]) == {}


def test_days_are_the_site_s_and_lines_their_own() -> None:
    calls = [call(1), call(40), call(41, line="back")]  # 23:31 and 00:10, 00:11 in Shanghai
    days = figures(calls, by_day(SHANGHAI))
    assert days[(1, date(2026, 12, 7))].calls == 1 and days[(1, date(2026, 12, 8))].calls == 2
    lines = figures(calls, by_line)
    assert lines[(1, "desk")].calls == 2 and lines[(1, "back")].calls == 1
