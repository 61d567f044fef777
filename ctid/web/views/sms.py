"""SMS: send one (``POST /api/v1/sms``), the history (``GET /api/v1/sms``), one message and its resend."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.accounts.permissions import Permission
from ctid.core.phone import written_locally
from ctid.messaging.models import Purpose
from ctid.messaging.templates import SmsTemplate
from ctid.reminders.sms_service import Bulk, Preview, SmsEntry, SmsRequest, TemplateRequest
from ctid.web import crm_forms, forms, sms_forms
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature
from ctid.web.json import jsonable, page_json, read_object
from ctid.web.keys import SERVICES

routes = web.RouteTableDef()
FEATURE = Feature("sms", routes)


def sms_json(entry: SmsEntry, region: str) -> dict[str, Any]:
    found = dict(jsonable(asdict(entry.message)))
    found["number_local"] = written_locally(entry.message.number, region)
    found["customer_name"] = entry.customer_name
    found["operator_name"] = entry.operator_name
    return found


@routes.post("/api/v1/sms")
@requires(Permission.SMS_SEND)
async def send_sms(request: web.Request) -> web.Response:
    body = sms_forms.sms_body(await read_object(request))
    services, user = request.app[SERVICES], current(request).user
    if body.template is not None:
        template = TemplateRequest(body.template, body.values)
        sms = await services.sms.written(user, template, body.customer_id, body.number, body.purpose)
    else:
        purpose = body.purpose or Purpose.SERVICE
        sms = SmsRequest(
            text=body.text or "", customer_id=body.customer_id, number=body.number, purpose=purpose
        )
    entry = await services.sms.send(actor(request), user, sms)
    return web.json_response(sms_json(entry, services.config.site.phone_region), status=201)


@routes.get("/api/v1/sms")
@requires(Permission.SMS_SEND)
async def list_sms(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    query = sms_forms.history_query(request.query, ZoneInfo(services.config.site.timezone))
    where = query.filter()
    page = await services.sms.history(current(request).user, where, query.page)
    region = services.config.site.phone_region
    return web.json_response(page_json(page, [sms_json(e, region) for e in page.items]))


@routes.get("/api/v1/sms/{id:\\d+}")
@requires(Permission.SMS_SEND)
async def get_sms(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    entry = await services.sms.get(current(request).user, forms.path_id(request.match_info))
    return web.json_response(sms_json(entry, services.config.site.phone_region))


@routes.post("/api/v1/sms/{id:\\d+}/resend")
@requires(Permission.SMS_SEND)
async def resend_sms(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    message_id = forms.path_id(request.match_info)
    entry = await services.sms.resend(actor(request), current(request).user, message_id)
    return web.json_response(sms_json(entry, services.config.site.phone_region))


@routes.post("/api/v1/sms/preview")
@requires(Permission.SMS_SEND)
async def preview_sms(request: web.Request) -> web.Response:
    body = sms_forms.preview_body(await read_object(request))
    template = TemplateRequest(body.template, body.values) if body.template else None
    found = await request.app[SERVICES].sms.preview(
        current(request).user, body.text, template, body.customer_id, body.template_text
    )
    return web.json_response(preview_json(found))


def preview_json(found: Preview) -> dict[str, Any]:
    return dict(jsonable(asdict(found)))


@routes.post("/api/v1/sms/bulk")
@requires(Permission.SMS_BULK)
async def bulk_sms(request: web.Request) -> web.Response:
    body = sms_forms.bulk_body(await read_object(request))
    where = crm_forms.customer_filter(body.search)
    template = TemplateRequest(body.template, body.values) if body.template else None
    sms = request.app[SERVICES].sms
    done = await sms.bulk(actor(request), current(request).user, where, body.text, template, body.send)
    return web.json_response(bulk_json(done))


def bulk_json(done: Bulk) -> dict[str, Any]:
    return dict(jsonable(asdict(done)))


def template_json(template: SmsTemplate) -> dict[str, Any]:
    return dict(jsonable(asdict(template)))


@routes.get("/api/v1/sms/templates")
@requires(Permission.SMS_SEND)
async def list_templates(request: web.Request) -> web.Response:
    """``?active=true``: only those a message may be written from now."""
    active = forms.optional_boolean(request.query, "active")
    found = await request.app[SERVICES].sms_templates.list(active)
    return web.json_response({"items": [template_json(t) for t in found]})


@routes.post("/api/v1/sms/templates")
@requires(Permission.SMS_TEMPLATES)
async def create_template(request: web.Request) -> web.Response:
    fields = sms_forms.template_fields(await read_object(request), new=True)
    made = await request.app[SERVICES].sms_templates.create(actor(request), current(request).user, fields)
    return web.json_response(template_json(made), status=201)


@routes.patch("/api/v1/sms/templates/{id:\\d+}")
@requires(Permission.SMS_TEMPLATES)
async def change_template(request: web.Request) -> web.Response:
    changes = sms_forms.template_fields(await read_object(request), new=False)
    template_id = forms.path_id(request.match_info)
    templates = request.app[SERVICES].sms_templates
    changed = await templates.update(actor(request), current(request).user, template_id, changes)
    return web.json_response(template_json(changed))
