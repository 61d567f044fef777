"""Service appointments (预约): the JSON API (``/api/v1/appointments``) the booking form, the day view and
other programs use. The day and week pages are ctid.web.views.appointment_pages."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, ValidationError
from ctid.reminders.appointment_models import NEXT_STATUSES, Appointment
from ctid.reminders.appointments import NewAppointment
from ctid.web import appointment_forms, forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import jsonable, page_json, read_object
from ctid.web.keys import SERVICES
from ctid.web.render import _

routes = web.RouteTableDef()
FEATURE = Feature("appointments", routes)


def appointment_json(appointment: Appointment) -> dict[str, Any]:
    body: dict[str, Any] = jsonable(asdict(appointment))
    body["next_statuses"] = sorted(s.value for s in NEXT_STATUSES[appointment.status])
    return body


@routes.get("/api/v1/appointments")
@requires(Permission.APPOINTMENTS)
async def list_appointments(request: web.Request) -> web.Response:
    where = appointment_forms.appointment_filter(request.query)
    page = await request.app[SERVICES].appointments.page(current(request).user, where)
    return web.json_response(page_json(page, [appointment_json(a) for a in page.items]))


@routes.get("/api/v1/appointments/slots")
@requires(Permission.APPOINTMENTS)
async def free_slots(request: web.Request) -> web.Response:
    """``?day=&advisor=``: the day's slots and how many more cars the advisor takes in each (``free``:
    null without an advisor, when the customer's own advisor is to be chosen at booking)."""
    forms.known(request.query, ("day", "advisor"))
    day = forms.day(request.query, "day")
    if day is None:
        raise ValidationError("day", N_("%(what)s is required."), what="day")
    advisor = forms.optional_integer(request.query, "advisor", 1, forms.MAX_ID)
    appointments = request.app[SERVICES].appointments
    if advisor is None:
        free: list[tuple[str, int | None]] = [(s, None) for s in appointments.plan.slots]
    else:
        free = list(await appointments.free(current(request).user, day, advisor))
    items = [{"slot": s, "ends": appointments.plan.slot_end(s), "free": n} for s, n in free]
    return web.json_response({"day": day.isoformat(), "advisor": advisor, "items": items})


@routes.get("/api/v1/appointments/advisors")
@requires(Permission.APPOINTMENTS)
async def advisors(request: web.Request) -> web.Response:
    """The branch's service advisors (服务顾问), whom the booking form offers."""
    forms.known(request.query, ("branch",))
    branch = forms.optional_integer(request.query, "branch", 1, forms.MAX_ID)
    found = await request.app[SERVICES].appointments.advisors(current(request).user, branch)
    return web.json_response({"items": [{"id": u.id, "name": u.label} for u in found]})


@routes.post("/api/v1/appointments")
@requires(Permission.APPOINTMENTS)
async def book(request: web.Request) -> web.Response:
    """With ``confirm_sms`` the confirmation SMS is queued with the booking: ``confirmation`` says which
    (``sms_id``) or why none went (``error``, in words; the booking stands)."""
    new = NewAppointment(**appointment_forms.new_appointment(await read_object(request)))
    booked = await request.app[SERVICES].appointments.book(actor(request), current(request).user, new)
    body = appointment_json(booked.appointment)
    if (confirmation := booked.confirmation) is not None:
        error = _(request, confirmation.refused, **confirmation.params) if confirmation.refused else None
        body["confirmation"] = {"sms_id": confirmation.sms_id, "error": error}
    return web.json_response(body, status=201)


@routes.get("/api/v1/appointments/{id:\\d+}")
@requires(Permission.APPOINTMENTS)
async def get_appointment(request: web.Request) -> web.Response:
    appointment_id = forms.path_id(request.match_info)
    appointment = await request.app[SERVICES].appointments.get(current(request).user, appointment_id)
    return web.json_response(appointment_json(appointment))


@routes.patch("/api/v1/appointments/{id:\\d+}")
@requires(Permission.APPOINTMENTS)
async def change(request: web.Request) -> web.Response:
    """Move (day, slot, advisor), change what for, or mark: arrived, done, no_show, cancelled."""
    changes = appointment_forms.appointment_changes(await read_object(request))
    appointment_id = forms.path_id(request.match_info)
    appointments = request.app[SERVICES].appointments
    appointment = await appointments.change(actor(request), current(request).user, appointment_id, changes)
    return web.json_response(appointment_json(appointment))
