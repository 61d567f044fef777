"""The maintenance projection kept up to date: each vehicle's next service (by time or mileage, whichever
first: ``ctid.reminders.rules.maintenance``) stored in ``reminder_service_due``, so that the daily build
finds the cars due on a day by an index, as it does for the stored dates.

Projecting every odometer each morning would cost a minute at a dealer group's 1.3 million vehicles; a
projection only moves when the vehicle's facts do (a visit, a reading, an edited date) or when its date
passes. So a refresh projects again only the vehicles changed since the last one (read from
``reminder_marks``: its time and the newest vehicle, visit and reading it had seen) and those whose date
passed. The first refresh, one after the maintenance settings changed, and one for a day before the last
refresh's (``ctid reminders run --date`` of a past day) project every vehicle, a span of ids at a time in
short transactions (the call log keeps writing meanwhile).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ctid.reminders import rules
from ctid.reminders import service_due_store as store
from ctid.reminders.facts import VehicleFacts
from ctid.reminders.settings import TypeSettings, settings_to_json
from ctid.storage.db import Database

MARK = "service_due"
SPAN = 5000  # vehicle ids projected in one transaction
# The settings that move a projection: changed, every vehicle is projected again.
_PROJECTION_FIELDS = (
    "interval_months",
    "interval_km",
    "first_service_months",
    "first_service_km",
    "min_history_days",
    "expire_after_days",
)


@dataclass(frozen=True)
class Refresh:
    projected: int  # vehicles projected this time
    full: bool  # every vehicle (the first time, or the settings changed)


def settings_key(settings: TypeSettings) -> dict[str, Any]:
    """What of the maintenance settings the stored projection was made with."""
    values = settings_to_json(settings)
    return {name: values[name] for name in _PROJECTION_FIELDS}


def rows(
    facts: Sequence[VehicleFacts], day: date, settings: TypeSettings, now: datetime
) -> list[dict[str, Any]]:
    """The projection's rows: the service the rule would remind on ``day`` (None: nothing to count from,
    or a sold or scrapped car)."""
    found = []
    for vehicle in facts:
        due = rules.maintenance(vehicle, day, settings)
        found.append(
            {
                "vehicle_id": vehicle.id,
                "branch_id": vehicle.branch_id,
                "due_on": None if due is None else due.due_on,
                "computed_at": now,
            }
        )
    return found


async def refresh(
    db: Database, settings: TypeSettings, day: date, branch_list: Sequence[int], now: datetime
) -> Refresh:
    """Bring the projection up to date for a build whose first day is ``day``."""
    async with db.connect() as conn:
        mark = await store.read_mark(conn, MARK)
        vehicle_id, visit_id, reading_id = await store.newest_ids(conn)
    key = settings_key(settings)
    since = rules.earliest_due(day, settings)
    if mark is None or _stale(mark, key, since):
        projected, full = await _project_all(db, settings, day, now), True
    else:
        async with db.connect() as conn:
            stale = await store.changed_since(
                conn,
                datetime.fromisoformat(mark["at"]),
                int(mark["vehicle_id"]),
                int(mark["visit_id"]),
                int(mark["reading_id"]),
            )
            stale |= await store.passed(conn, since, branch_list)
        projected, full = await _project(db, stale, settings, day, now), False
        since = max(since, date.fromisoformat(mark["since"]))
    seen = {"at": now.isoformat(), "vehicle_id": vehicle_id, "visit_id": visit_id, "reading_id": reading_id}
    seen["since"] = since.isoformat()
    async with db.begin(immediate=True) as conn:
        await store.write_mark(conn, MARK, {**seen, "settings": key}, now)
    return Refresh(projected, full)


def _stale(mark: dict[str, Any], key: dict[str, Any], since: date) -> bool:
    """Whether every vehicle must be projected again: the settings changed, or a build
    for a day before the projection's (a projection counts from its day on: going back, a service it
    stepped over would be missed)."""
    if mark.get("settings") != key or "since" not in mark:
        return True
    return since < date.fromisoformat(mark["since"])


async def _project(
    db: Database, ids: Collection[int], settings: TypeSettings, day: date, now: datetime
) -> int:
    ordered = sorted(ids)
    for start in range(0, len(ordered), SPAN):
        some = ordered[start : start + SPAN]
        async with db.connect() as conn:
            facts = await store.facts_of(conn, some)
        async with db.begin(immediate=True) as conn:
            await store.delete_rows(conn, some)
            await store.insert_rows(conn, rows(facts, day, settings, now))
    return len(ordered)


async def _project_all(db: Database, settings: TypeSettings, day: date, now: datetime) -> int:
    async with db.connect() as conn:
        low, high = await store.id_span(conn)
    async with db.begin(immediate=True) as conn:
        await store.delete_all(conn)
    projected = 0
    for start in range(low, high + 1, SPAN):
        async with db.connect() as conn:
            facts = await store.facts_between(conn, start, start + SPAN - 1)
        async with db.begin(immediate=True) as conn:
            await store.insert_rows(conn, rows(facts, day, settings, now))
        projected += len(facts)
    return projected
