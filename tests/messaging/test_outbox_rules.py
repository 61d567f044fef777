"""The outbox's pure decisions: the quiet hours at their edges and across midnight, the backoff, the rate's
spacing, and the replies that opt a number out."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ctid.messaging.models import Purpose
from ctid.messaging.outbox_rules import QuietHours, gives_up, is_opt_out, may_send, retry_delay, spacing

SHANGHAI = ZoneInfo("Asia/Shanghai")
QUIET = QuietHours()


def at(hour: int, minute: int = 0, day: int = 7) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("local", "quiet"),
    [((20, 59), False), ((21, 0), True), ((23, 59), True), ((0, 0), True), ((7, 59), True), ((8, 0), False)],
)
def test_the_quiet_hours_span_midnight(local: tuple[int, int], quiet: bool) -> None:
    assert QUIET.quiet_at(time(*local)) is quiet
    assert may_send(Purpose.MARKETING, at(*local).astimezone(UTC), SHANGHAI, QUIET) is not quiet
    assert may_send(Purpose.SERVICE, at(*local), SHANGHAI, QUIET) is True


def test_quiet_hours_within_a_day_and_none() -> None:
    lunch = QuietHours(time(12, 0), time(13, 30))
    assert lunch.quiet_at(time(12, 0)) and not lunch.quiet_at(time(13, 30)) and not lunch.quiet_at(time(8))
    assert not QuietHours(time(0), time(0)).quiet_at(time(3))


def test_when_the_quiet_hours_end() -> None:
    assert QUIET.ends_after(at(22), SHANGHAI) == at(8, day=8)
    assert QUIET.ends_after(at(3), SHANGHAI) == at(8)
    assert QUIET.ends_after(at(9), SHANGHAI) == at(9)


def test_backoff_doubles_up_to_its_cap_and_gives_up() -> None:
    delays = [retry_delay(n, 60, 600) for n in (1, 2, 3, 4, 5)]
    assert delays == [timedelta(seconds=s) for s in (60, 120, 240, 480, 600)]
    assert not gives_up(3, 4) and gives_up(4, 4)


def test_spacing_at_a_rate() -> None:
    assert spacing(6) == 10.0 and spacing(0) == 0.0


@pytest.mark.parametrize("text", ["TD", "td", " Td\n", "T", "r", "退订", "ＴＤ", "退订。", "td!"])
def test_opt_out_words(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["", "TD 谢谢", "好的", "tdd", "不要退订", "RT"])
def test_other_replies_are_not_opt_outs(text: str) -> None:
    assert not is_opt_out(text)
