"""A statistics period: [first, end) local dates cut into day / week / month buckets; pure.

Buckets are calendar units clipped to the period: days, ISO weeks (Monday to Sunday) and calendar months,
so a period from the 15th gives a first month bucket of half a month. Each bucket's instants are local
midnights in the site time zone converted to UTC, which is how timestamps are stored.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from ctid.core.errors import N_, ValidationError

MAX_BUCKETS = 400
MAX_DAYS = 3700  # about ten years
DEFAULT_LOST_MONTHS = 12
MAX_LOST_MONTHS = 120


class Bucket(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Span:
    """One bucket: local dates [first, end) and the same as UTC instants [since, until)."""

    first: date
    end: date
    since: datetime
    until: datetime

    def label(self, bucket: Bucket) -> str:
        if bucket == Bucket.MONTH:
            return self.first.strftime("%Y-%m")
        return self.first.isoformat()


@dataclass(frozen=True)
class Period:
    first: date
    end: date  # exclusive
    bucket: Bucket
    tz: ZoneInfo
    lost_months: int = DEFAULT_LOST_MONTHS

    @property
    def since(self) -> datetime:
        return local_midnight(self.first, self.tz)

    @property
    def until(self) -> datetime:
        return local_midnight(self.end, self.tz)

    def spans(self) -> list[Span]:
        found, start = [], self.first
        while start < self.end:
            stop = min(_next_start(start, self.bucket), self.end)
            found.append(Span(start, stop, local_midnight(start, self.tz), local_midnight(stop, self.tz)))
            start = stop
        return found

    def labels(self) -> list[str]:
        return [span.label(self.bucket) for span in self.spans()]


def make_period(first: date, end: date, bucket: Bucket, tz: ZoneInfo, lost_months: int) -> Period:
    """A checked period: ``end`` after ``first``, not longer than MAX_DAYS nor more than MAX_BUCKETS."""
    if end <= first:
        raise ValidationError("to", N_("The end date is before the start date."))
    if (end - first).days > MAX_DAYS:
        raise ValidationError("to", N_("The period is too long."))
    if not 1 <= lost_months <= MAX_LOST_MONTHS:
        raise ValidationError(
            "months",
            N_("%(what)s must be between %(low)d and %(high)d."),
            what="months",
            low=1,
            high=MAX_LOST_MONTHS,
        )
    period = Period(first, end, bucket, tz, lost_months)
    if _bucket_count(first, end, bucket) > MAX_BUCKETS:
        raise ValidationError("bucket", N_("The period has too many buckets; choose a longer bucket."))
    return period


def default_period(today: date, tz: ZoneInfo) -> Period:
    """The last twelve months, this one included, by month."""
    end = _next_start(today, Bucket.MONTH)
    first = months_before(today.replace(day=1), 11)
    return Period(first, end, Bucket.MONTH, tz)


def months_before(day: date, months: int) -> date:
    """``day`` ``months`` calendar months earlier; past a short month's end, its last day
    (31 March less one month: 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


def _next_start(day: date, bucket: Bucket) -> date:
    if bucket == Bucket.DAY:
        return day + timedelta(days=1)
    if bucket == Bucket.WEEK:
        return day + timedelta(days=7 - day.weekday())
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return date(year, month, 1)


def _bucket_count(first: date, end: date, bucket: Bucket) -> int:
    days = (end - first).days
    if bucket == Bucket.DAY:
        return days
    if bucket == Bucket.WEEK:
        return days // 7 + 2
    return (end.year - first.year) * 12 + end.month - first.month + 1


@dataclass(frozen=True)
class OffsetSegment:
    """A stretch [since, until) of UTC time over which the zone's offset from UTC stays ``minutes``."""

    since: datetime
    until: datetime
    minutes: int


def offset_segments(since: datetime, until: datetime, tz: ZoneInfo) -> list[OffsetSegment]:
    """[since, until) cut where the zone's UTC offset changes (summer time), found hour by hour: zones
    change their offset on a whole UTC hour or half hour, and a half-hour change is placed at the hour
    before it (at most half an hour of calls counted in the neighbouring hour, once or twice a year)."""
    found: list[OffsetSegment] = []
    start, minutes = since, _offset(since, tz)
    moment = since.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while moment < until:
        now = _offset(moment, tz)
        if now != minutes:
            found.append(OffsetSegment(start, moment, minutes))
            start, minutes = moment, now
        moment += timedelta(hours=1)
    found.append(OffsetSegment(start, until, minutes))
    return found


def _offset(moment: datetime, tz: ZoneInfo) -> int:
    delta = moment.astimezone(tz).utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0
