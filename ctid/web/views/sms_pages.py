"""SMS pages: /sms (the history with filters, one SMS to a number, a bulk SMS to a customer search with a
live preview) and /admin/sms-templates (the presets). What they send goes through the SMS API."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.accounts.permissions import Permission, allows
from ctid.core.errors import N_
from ctid.messaging.models import Purpose, SmsStatus
from ctid.reminders.models import ReminderType
from ctid.web import sms_forms
from ctid.web.auth import current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.keys import SERVICES
from ctid.web.render import render

routes = web.RouteTableDef()
FEATURE = Feature("sms_pages", routes, nav=(NavEntry(N_("SMS"), "/sms", Permission.SMS_SEND, order=55),))


@routes.get("/sms")
@requires(Permission.SMS_SEND)
async def sms_page(request: web.Request) -> web.Response:
    services, user = request.app[SERVICES], current(request).user
    query = sms_forms.history_query(request.query, ZoneInfo(services.config.site.timezone))
    where = query.filter()
    page = await services.sms.history(user, where, query.page)
    context = {
        "page": page,
        "query": request.query,
        "statuses": list(SmsStatus),
        "purposes": list(Purpose),
        "templates": await services.sms_templates.list(active=True),
        "bulk": allows(user, Permission.SMS_BULK),
    }
    return render(request, "sms/list.html", context)


@routes.get("/admin/sms-templates")
@requires(Permission.SMS_TEMPLATES)
async def templates_page(request: web.Request) -> web.Response:
    templates = await request.app[SERVICES].sms_templates.list()
    context = {"templates": templates, "reminder_types": list(ReminderType)}
    return render(request, "sms/templates.html", context)
