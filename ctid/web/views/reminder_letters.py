"""Letters (信函) from the reminder queue: the day's letters as A4 pages to print (one a page, the shop's
heading), the same as a CSV for a mail merge, and marking them posted (ctid.reminders.letter_service)."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, ValidationError
from ctid.core.text import spreadsheet_safe
from ctid.reminders.letters import Letter, written_date
from ctid.web import forms
from ctid.web.auth import actor, current, requires
from ctid.web.csv_download import csv_response
from ctid.web.feature import Feature
from ctid.web.json import read_object
from ctid.web.keys import SERVICES
from ctid.web.render import _, render

routes = web.RouteTableDef()
FEATURE = Feature("reminder_letters", routes)

CSV_COLUMNS = (N_("Customer"), N_("Address"), N_("Plate"), N_("Reminder"), N_("Due"), N_("Text"))
MAX_MARKED = 2000


async def _letters(request: web.Request) -> tuple[date, list[Letter]]:
    services = request.app[SERVICES]
    day = forms.day(request.query, "date") or services.reminders.worklist.today()
    return day, await services.reminders.letters.of_day(current(request).user, day)


@routes.get("/reminders/letters")
@requires(Permission.REMINDERS_WORK)
async def letters_page(request: web.Request) -> web.Response:
    day, letters = await _letters(request)
    shop = request.app[SERVICES].config.site
    item_ids = [item_id for letter in letters for item_id in letter.item_ids]
    context = {
        "day": day,
        "letters": letters,
        "item_ids": item_ids,
        "shop": shop,
        "written_date": written_date,
    }
    return render(request, "reminders/letters.html", context)


@routes.get("/reminders/letters.csv")
@requires(Permission.REMINDERS_WORK)
async def letters_csv(request: web.Request) -> web.Response:
    """A row a line of each letter (a customer with two reminders has two rows), for a mail merge."""
    day, letters = await _letters(request)
    rows = [
        [
            spreadsheet_safe(letter.name),
            spreadsheet_safe(letter.address),
            spreadsheet_safe(line.plate or ""),
            _(request, line.type.value),
            line.due_on.isoformat(),
            spreadsheet_safe(line.text or ""),
        ]
        for letter in letters
        for line in letter.lines
    ]
    header = [_(request, column) for column in CSV_COLUMNS]
    return csv_response(header, rows, f"letters-{day:%Y%m%d}.csv")


@routes.post("/api/v1/reminders/letters/sent")
@requires(Permission.REMINDERS_WORK)
async def letters_sent(request: web.Request) -> web.Response:
    """``{"items": [ids]}``: the letters printed and posted, each item closed as sent."""
    body = await read_object(request, {"items"})
    items = body.get("items")
    if not isinstance(items, list) or not items or len(items) > MAX_MARKED:
        raise ValidationError("items", N_("%(what)s must be a list of reminder ids."), what="items")
    ids = [forms.integer({"items": value}, "items", 1, forms.MAX_ID) for value in items]
    letters = request.app[SERVICES].reminders.letters
    marked = await letters.mark_sent(actor(request), current(request).user, ids)
    return web.json_response({"sent": marked})
