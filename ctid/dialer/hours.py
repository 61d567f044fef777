"""Calling hours: when a campaign may dial, in the site's time. Pure (the local time and the kind of each day
are passed in; the statutory table is ``ctid.dialer.statutory``'s).

A day is a calling day when its weekday is one of the campaign's (Monday to Friday by default; many shops
call on Saturdays too), except a statutory holiday (春节, 国庆 ...: closed even on a weekday) or one of the
site's own days off; an adjusted working day (调休: a weekend the state makes a working day) is a calling
day whatever its weekday. On a calling day the campaign dials within its windows (09:00-12:00 and
14:00-18:00 by default: not at lunch), each from its start up to (not at) its end.

A year the statutory table does not cover yet counts by the weekdays alone, and says so (``DayKind
.UNKNOWN``): the page shows it, rather than a campaign that silently dials nobody, or everybody on 春节.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from ctid.dialer.models import WhyNot

MAX_LOOKAHEAD_DAYS = 60  # beyond this, "no calling hours soon" (a campaign set to call on no day at all)


class DayKind(StrEnum):
    ORDINARY = "ordinary"  # its weekday decides
    HOLIDAY = "holiday"  # a statutory holiday: no calls
    WORKDAY = "workday"  # an adjusted working day (调休): calls whatever the weekday
    UNKNOWN = "unknown"  # a year the statutory table does not cover: its weekday decides


KindOf = Callable[[date], DayKind]


def ordinary(day: date) -> DayKind:
    """Every day ordinary: a campaign that does not follow the statutory table."""
    return DayKind.ORDINARY


@dataclass(frozen=True)
class CallingHours:
    weekdays: frozenset[int] = frozenset(range(5))  # 0 = Monday
    windows: tuple[tuple[time, time], ...] = ((time(9), time(12)), (time(14), time(18)))
    statutory: bool = True  # follow the country's holidays and adjusted working days
    days_off: frozenset[date] = field(default_factory=frozenset)  # the site's own

    def __post_init__(self) -> None:
        for start, end in self.windows:
            if not start < end:
                raise ValueError(f"a calling window ends after it starts: {start}-{end}")


def closed_day(day: date, hours: CallingHours, kind_of: KindOf) -> WhyNot | None:
    """Why ``day`` is no calling day (``DAY_OFF``, or ``OUTSIDE_HOURS`` for a weekday not called), or
    None."""
    if day in hours.days_off:
        return WhyNot.DAY_OFF
    kind = kind_of(day) if hours.statutory else DayKind.ORDINARY
    if kind == DayKind.HOLIDAY:
        return WhyNot.DAY_OFF
    if kind == DayKind.WORKDAY or day.weekday() in hours.weekdays:
        return None
    return WhyNot.OUTSIDE_HOURS


def closed_at(local: datetime, hours: CallingHours, kind_of: KindOf) -> WhyNot | None:
    """Why no call may start at ``local`` (the site's wall clock), or None when one may."""
    if (why := closed_day(local.date(), hours, kind_of)) is not None:
        return why
    now = local.time().replace(tzinfo=None)
    if any(start <= now < end for start, end in hours.windows):
        return None
    return WhyNot.OUTSIDE_HOURS


def next_open(local: datetime, hours: CallingHours, kind_of: KindOf) -> datetime | None:
    """The first moment at or after ``local`` when calls may start (``local`` itself when open); None
    when there is none within ``MAX_LOOKAHEAD_DAYS``."""
    windows = sorted(hours.windows)
    for offset in range(MAX_LOOKAHEAD_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        if closed_day(day, hours, kind_of) is not None:
            continue
        for start, end in windows:
            opens = datetime.combine(day, start, local.tzinfo)
            closes = datetime.combine(day, end, local.tzinfo)
            if closes > local:
                return max(opens, local)
    return None
