"""When a daily job was last due and is next due on the shop's clock, and whether a start must catch it up.

Pure (the time is passed in), so the decisions are tested on fixed clocks: across midnight, at the very
minute, and on the days a clock jumps for daylight saving (zones that have it; Shanghai has none).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def last_due(at: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The latest moment (UTC) at or before ``now`` when a job daily at ``at`` (shop time) was due."""
    now = now.astimezone(UTC)
    day = now.astimezone(zone).date()
    today = _on(day, at, zone)
    return today if today <= now else _on(day - timedelta(days=1), at, zone)


def next_due(at: time, zone: ZoneInfo, now: datetime) -> datetime:
    """The first moment (UTC) after ``now`` when a job daily at ``at`` (shop time) is due."""
    now = now.astimezone(UTC)
    day = now.astimezone(zone).date()
    today = _on(day, at, zone)
    return today if today > now else _on(day + timedelta(days=1), at, zone)


def missed(last_run: datetime | None, at: time, zone: ZoneInfo, now: datetime) -> bool:
    """Whether the job has not run since it was last due: the daemon was down (or the job failed) at its
    time, or it never ran. Such a job runs once soon after start, not a day late."""
    return last_run is None or last_run < last_due(at, zone, now)


def _on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` on ``day`` in ``zone``, in UTC. A time the clock skips that day (a daylight-saving gap) is read
    with the offset before the jump, so it lands just after the gap; a time it shows twice is the first.
    In UTC because Python never finds a local time in a gap or a fold equal to an instant of another zone."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)
