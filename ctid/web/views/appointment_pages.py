"""The appointments' day and week views (/appointments, /appointments/week): each advisor's slots with the
cars booked in them and the room left, marked arrived, done, missed or cancelled in place (through the
API: ctid.web.views.appointments). Drawn from the appointments service; the grid itself is pure
(ctid.reminders.slots.day_grid)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_
from ctid.reminders.appointment_models import NEXT_STATUSES, TAKING_A_SLOT, Appointment, AppointmentStatus
from ctid.reminders.slots import day_grid
from ctid.web import forms
from ctid.web.auth import current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import render

routes = web.RouteTableDef()
FEATURE = Feature(
    "appointment_pages",
    routes,
    nav=(NavEntry(N_("Appointments"), "/appointments", Permission.APPOINTMENTS, order=36),),
)
WEEK = 7
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
MOVE_WORDS = {  # a button's word for each status an appointment can be moved to
    AppointmentStatus.ARRIVED.value: N_("Arrived"),
    AppointmentStatus.DONE.value: N_("Done"),
    AppointmentStatus.NO_SHOW.value: N_("Did not come"),
    AppointmentStatus.CANCELLED.value: N_("Cancel"),
    AppointmentStatus.BOOKED.value: N_("Booked again"),
}
_MOVE_ORDER = list(MOVE_WORDS)


def _page_words() -> dict[str, Any]:
    """What both views' templates use beside their data."""
    return {
        "weekdays": WEEKDAYS,
        "move_words": MOVE_WORDS,
        "next_statuses": lambda status: sorted(NEXT_STATUSES[status], key=_MOVE_ORDER.index),
        "timedelta": timedelta,
    }


def _day(request: web.Request, name: str, default: date) -> date:
    return forms.day(request.query, name) or default


def _taken(found: list[Appointment]) -> dict[tuple[int, str], list[int]]:
    taken: dict[tuple[int, str], list[int]] = defaultdict(list)
    for appointment in found:
        if appointment.status in TAKING_A_SLOT:
            taken[appointment.advisor_id, appointment.slot].append(appointment.id)
    return taken


async def _columns(
    request: web.Request, found: list[Appointment], advisor: int | None
) -> list[tuple[int, str]]:
    """The advisors shown: the one asked for, else the branch's advisors and whoever else has a car."""
    staff = await request.app[SERVICES].appointments.advisors(current(request).user)
    names = {u.id: u.label for u in staff} | {a.advisor_id: a.advisor_name for a in found}
    if advisor is not None:
        return [(advisor, names.get(advisor, str(advisor)))]
    return sorted(names.items(), key=lambda item: (item[0] not in {u.id for u in staff}, item[1]))


@routes.get("/appointments")
@requires(Permission.APPOINTMENTS)
async def day_view(request: web.Request) -> web.Response:
    """``?day=&advisor=``: one day, a column per advisor, a row per slot."""
    forms.known(request.query, ("day", "advisor"))
    appointments, user = request.app[SERVICES].appointments, current(request).user
    today = appointments.today()
    day = _day(request, "day", today)
    advisor = forms.optional_integer(request.query, "advisor", 1, forms.MAX_ID)
    found = await appointments.between(user, day, day, advisor)
    columns = await _columns(request, found, advisor)
    grid = day_grid(appointments.plan, [a for a, _name in columns], _taken(found))
    others = [a for a in found if a.status not in TAKING_A_SLOT]  # cancelled and missed: listed below
    context: dict[str, Any] = {
        "day": day,
        "today": today,
        "advisor": advisor,
        "columns": columns,
        "rows": list(zip(*(grid[a] for a, _name in columns), strict=True)) if columns else [],
        "by_id": {a.id: a for a in found},
        "others": others,
        "plan": appointments.plan,
        "previous": day - timedelta(days=1),
        "next": day + timedelta(days=1),
        **_page_words(),
    }
    return render(request, "appointments/day.html", context)


@routes.get("/appointments/week")
@requires(Permission.APPOINTMENTS)
async def week_view(request: web.Request) -> web.Response:
    """``?start=&advisor=``: one advisor's week (the user's own when they have a column, else the first)."""
    forms.known(request.query, ("start", "advisor"))
    appointments, user = request.app[SERVICES].appointments, current(request).user
    today = appointments.today()
    start = _day(request, "start", today - timedelta(days=today.weekday()))
    days = [start + timedelta(days=n) for n in range(WEEK)]
    asked = forms.optional_integer(request.query, "advisor", 1, forms.MAX_ID)
    found = await appointments.between(user, days[0], days[-1], asked)
    columns = await _columns(request, found, None)
    ids = [a for a, _name in columns]
    advisor = asked or (user.id if user.id in ids or not ids else ids[0])
    mine = [a for a in found if a.advisor_id == advisor]
    cells: dict[tuple[date, str], list[int]] = defaultdict(list)
    for appointment in mine:
        if appointment.status in TAKING_A_SLOT:
            cells[appointment.day, appointment.slot].append(appointment.id)
    slots = sorted({*appointments.plan.slots, *(slot for _when, slot in cells)})
    free = appointments.plan.free
    rows = [(s, [(d, cells.get((d, s), []), free(len(cells.get((d, s), [])))) for d in days]) for s in slots]
    context: dict[str, Any] = {
        "days": days,
        "today": today,
        "advisor": advisor,
        "columns": columns if any(a == advisor for a in ids) else [*columns, (advisor, str(advisor))],
        "rows": rows,
        "by_id": {a.id: a for a in mine},
        "previous": start - timedelta(days=WEEK),
        "next": start + timedelta(days=WEEK),
        "plan": appointments.plan,
        **_page_words(),
    }
    return render(request, "appointments/week.html", context)
