"""Statistics for supervisors and admins: the period from a query string, then one chart's counts.

Definitions (docs/api.md repeats them):

- **new customers**: customers created (``created_at``) in the bucket.
- **lost customers** at a bucket: counted at the bucket's end D (the day after its last day; for the
  running bucket, tomorrow; buckets that have not begun count 0): customers of the branch with at least one
  visit (not cancelled) before D and none in [D - N months, D). N is ``months`` (default 12). Customers
  who never came are not lost; they never were service customers.
- **follow-ups** by status and **complaints** by category: those recorded (``created_at``) in the period.
- **prospects** by industry and by focus point: those registered in the period; a prospect with several
  focus points counts once for each; focus points are the ``focus_point`` options, retired ones included.
- **calls by hour**: inbound calls started in the period on the branch's lines, answered (or connected)
  and missed, by hour of the day in the site time zone.

Admins see every branch, or the one they ask for; supervisors only their own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.core.clock import utcnow
from ctid.core.errors import N_, NotFound, ValidationError
from ctid.crm import scope
from ctid.crm.models import FollowUpKind, FollowUpStatus
from ctid.lineplan.source import LinePlanSource
from ctid.stats import store
from ctid.stats.models import Chart, ChartName
from ctid.stats.periods import (
    DEFAULT_LOST_MONTHS,
    MAX_LOST_MONTHS,
    Bucket,
    Period,
    default_period,
    make_period,
    months_before,
    offset_segments,
)
from ctid.stats.svg import Series
from ctid.storage.db import Database

NONE_LABEL = N_("(none)")
NO_SUCH_CHART = N_("No such chart.")
TITLES = {
    ChartName.NEW_CUSTOMERS: N_("New customers"),
    ChartName.LOST_CUSTOMERS: N_("Lost customers"),
    ChartName.FOLLOW_UPS: N_("Follow-ups by status"),
    ChartName.COMPLAINTS: N_("Complaints by category"),
    ChartName.PROSPECT_INDUSTRIES: N_("Prospects by industry"),
    ChartName.PROSPECT_FOCUS: N_("Prospects by focus point"),
    ChartName.CALLS_BY_HOUR: N_("Calls by hour of day"),
}


class Stats:
    def __init__(
        self,
        db: Database,
        plan: LinePlanSource,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = db
        self._plan = plan
        self._tz = ZoneInfo(timezone)
        self._clock = clock

    def today(self) -> date:
        return self._clock().astimezone(self._tz).date()

    def period(self, data: Mapping[str, Any]) -> Period:
        """``from`` and ``to`` (local dates, ``to`` exclusive), ``bucket`` (day / week / month) and
        ``months`` (lost after N months without a visit) from a query string; the last twelve months by
        month when neither date is given."""
        default = default_period(self.today(), self._tz)
        first = _day(data, "from") or default.first
        end = _day(data, "to") or (default.end if first == default.first else _later(first))
        bucket = _choice(data, "bucket", default.bucket)
        months = _months(data)
        return make_period(first, end, bucket, self._tz, months)

    async def chart(self, user: User, name: str, period: Period, branch: int | None = None) -> Chart:
        scope.require(user, Permission.STATS_VIEW)
        try:
            chart = ChartName(name)
        except ValueError:
            raise NotFound(NO_SUCH_CHART) from None
        branch_id = scope.narrowed(user, branch)
        build = {
            ChartName.NEW_CUSTOMERS: self._new_customers,
            ChartName.LOST_CUSTOMERS: self._lost_customers,
            ChartName.FOLLOW_UPS: self._follow_ups,
            ChartName.COMPLAINTS: self._complaints,
            ChartName.PROSPECT_INDUSTRIES: self._industries,
            ChartName.PROSPECT_FOCUS: self._focus,
            ChartName.CALLS_BY_HOUR: self._calls,
        }[chart]
        return await build(branch_id, period)

    async def _new_customers(self, branch_id: int | None, period: Period) -> Chart:
        spans = period.spans()
        bounds = [span.since for span in spans] + [spans[-1].until]
        async with self._db.connect() as conn:
            counts = await store.new_customers(conn, branch_id, bounds)
        return self._counts(ChartName.NEW_CUSTOMERS, "bar", period, counts)

    async def _lost_customers(self, branch_id: int | None, period: Period) -> Chart:
        tomorrow = self.today() + timedelta(days=1)
        spans = [span for span in period.spans() if span.first < tomorrow]
        ends = [min(span.end, tomorrow) for span in spans]
        edges = [(end, months_before(end, period.lost_months)) for end in ends]
        async with self._db.connect() as conn:
            counts = await store.lost_customers(conn, branch_id, edges)
        counts += [0] * (len(period.spans()) - len(counts))
        return self._counts(ChartName.LOST_CUSTOMERS, "line", period, counts)

    async def _follow_ups(self, branch_id: int | None, period: Period) -> Chart:
        async with self._db.connect() as conn:
            found = await store.follow_ups_by(
                conn, branch_id, FollowUpKind.FOLLOW_UP, "status", period.since, period.until
            )
        labels = [status.value for status in FollowUpStatus]
        values = tuple(found.get(label, 0) for label in labels)
        series = (Series(N_("Follow-ups"), values),)
        return Chart(
            ChartName.FOLLOW_UPS,
            TITLES[ChartName.FOLLOW_UPS],
            "bar",
            tuple(labels),
            series,
            period,
            frozenset(labels),
        )

    async def _complaints(self, branch_id: int | None, period: Period) -> Chart:
        async with self._db.connect() as conn:
            found = await store.follow_ups_by(
                conn, branch_id, FollowUpKind.COMPLAINT, "category", period.since, period.until
            )
        return self._ranked(ChartName.COMPLAINTS, N_("Complaints"), period, found)

    async def _industries(self, branch_id: int | None, period: Period) -> Chart:
        async with self._db.connect() as conn:
            found = await store.prospects_by_industry(conn, branch_id, period.since, period.until)
        return self._ranked(ChartName.PROSPECT_INDUSTRIES, N_("Prospects"), period, found)

    async def _focus(self, branch_id: int | None, period: Period) -> Chart:
        async with self._db.connect() as conn:
            values = await store.focus_point_values(conn)
            found = await store.prospects_by_focus(conn, branch_id, period.since, period.until, values)
        found = {value: n for value, n in found.items() if n}
        return self._ranked(ChartName.PROSPECT_FOCUS, N_("Prospects"), period, found)

    async def _calls(self, branch_id: int | None, period: Period) -> Chart:
        lines = None
        if branch_id is not None:
            lines = sorted((await self._plan.get()).lines_in(branch_id))
        segments = offset_segments(period.since, period.until, self._tz)
        async with self._db.connect() as conn:
            answered, missed = await store.calls_by_hour(conn, lines, segments)
        series = (Series(N_("answered"), tuple(answered)), Series(N_("missed"), tuple(missed)))
        labels = tuple(f"{hour:02d}" for hour in range(24))
        return Chart(ChartName.CALLS_BY_HOUR, TITLES[ChartName.CALLS_BY_HOUR], "bar", labels, series, period)

    def _counts(self, name: ChartName, kind: str, period: Period, counts: list[int]) -> Chart:
        labels = tuple(period.labels())
        return Chart(name, TITLES[name], kind, labels, (Series(TITLES[name], tuple(counts)),), period)

    def _ranked(self, name: ChartName, series: str, period: Period, found: dict[str, int]) -> Chart:
        """Most frequent first (then by label); the empty value is labelled "(none)"."""
        ranked = sorted(found.items(), key=lambda item: (-item[1], item[0]))
        labels = tuple(label or NONE_LABEL for label, _n in ranked)
        values = tuple(n for _label, n in ranked)
        translated = frozenset({NONE_LABEL}) if "" in found else frozenset()
        return Chart(name, TITLES[name], "bar", labels, (Series(series, values),), period, translated)


def _day(data: Mapping[str, Any], name: str) -> date | None:
    raw = str(data.get(name, "") or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None or not date(1900, 1, 1) <= value <= date(2999, 12, 31):
        raise ValidationError(name, N_("%(what)s must be a date like 2026-03-22."), what=name)
    return value


def _later(first: date) -> date:
    return min(first + timedelta(days=365), date(3000, 1, 1))


def _choice(data: Mapping[str, Any], name: str, default: Bucket) -> Bucket:
    raw = str(data.get(name, "") or "")
    if not raw:
        return default
    try:
        return Bucket(raw)
    except ValueError:
        allowed = ", ".join(b.value for b in Bucket)
        raise ValidationError(
            name, N_("%(what)s must be one of: %(allowed)s."), what=name, allowed=allowed
        ) from None


def _months(data: Mapping[str, Any]) -> int:
    raw = str(data.get("months", "") or "").strip()
    if not raw:
        return DEFAULT_LOST_MONTHS
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        raise ValidationError(
            "months",
            N_("%(what)s must be between %(low)d and %(high)d."),
            what="months",
            low=1,
            high=MAX_LOST_MONTHS,
        )
    return int(raw)
