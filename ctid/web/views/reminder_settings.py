"""The reminder types' settings, the inspection rule table and the custom rules: the admins' page
``/admin/reminders`` (a form per type, the rule table, the custom rules) and its API
(``/api/v1/reminders/settings``, ``/api/v1/reminders/inspection-rules``,
``/api/v1/reminders/custom-rules``). See docs/reminders.md and docs/api.md."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from ctid.accounts.models import User
from ctid.accounts.permissions import Permission
from ctid.core.errors import N_, Conflict, NotFound, ValidationError
from ctid.core.paging import MAX_PER_PAGE, PageRequest
from ctid.reminders.custom import custom_rules_to_json
from ctid.reminders.inspection import InspectionKind, InspectionScheme, inspection_rules_to_json
from ctid.reminders.models import Channel, ReminderType
from ctid.reminders.settings import TYPE_FIELDS, AssigneeRule, settings_to_json
from ctid.web import reminder_settings_forms as forms_
from ctid.web.auth import actor, current, requires
from ctid.web.feature import Feature, NavEntry
from ctid.web.json import read_object
from ctid.web.keys import SERVICES
from ctid.web.render import _, render

routes = web.RouteTableDef()
FEATURE = Feature(
    "reminder_settings",
    routes,
    nav=(NavEntry(N_("Reminder settings"), "/admin/reminders", Permission.REMINDERS_SETTINGS, order=125),),
)

PAGE = "/admin/reminders"
TYPE_PATH = "{type}"

# The page's labels, which also name a field in an error ("Lead days must be ...", not "lead_days ...").
FIELD_LABELS = {
    "type": N_("Reminder"),
    "enabled": N_("On"),
    "lead_days": N_("Lead days"),
    "channel": N_("Channel"),
    "expire_after_days": N_("Expires after (days)"),
    "retry_after_days": N_("No answer: again after (days)"),
    "retry_max_tries": N_("Tries at a step"),
    "contacted_window_days": N_("Skip if contacted within (days)"),
    "assignee": N_("Worked by"),
    "assignee_user_id": N_("Fixed user"),
    "templates": N_("Templates"),
    "auto_send_sms": N_("Send SMS automatically"),
    "follow_up_after_days": N_("Call after the visit (days)"),
    "interval_months": N_("Service interval (months)"),
    "interval_km": N_("Service interval (km)"),
    "first_service_months": N_("First service (months)"),
    "first_service_km": N_("First service (km)"),
    "min_history_days": N_("Mileage history needed (days)"),
    "holidays": N_("Holidays"),
    "scheme": N_("Cars"),
    "from_month": N_("From month"),
    "to_month": N_("To month"),
    "every_months": N_("Every (months)"),
    "kind": N_("Inspection"),
    "rules": N_("Rules"),
    "id": N_("Rule id"),
    "name": N_("Name"),
    "field": N_("Date"),
    "yearly": N_("Every year"),
}
CHANNEL_LABELS = {
    Channel.PHONE: N_("phone"),
    Channel.SMS: N_("sms"),
    Channel.LETTER: N_("letter"),
    Channel.EMAIL: N_("email"),
}
ASSIGNEE_LABELS = {
    AssigneeRule.CUSTOMER_USER: N_("the customer's user"),
    AssigneeRule.VEHICLE_ADVISOR: N_("the vehicle's advisor"),
    AssigneeRule.FIXED_USER: N_("a fixed user"),
    AssigneeRule.POOL: N_("the pool (anyone)"),
}
SCHEME_LABELS = {
    InspectionScheme.EXEMPT: N_("exempt cars (private, small)"),
    InspectionScheme.EXCLUDED: N_("cars the exemption leaves out"),
}
KIND_LABELS = {
    InspectionKind.STICKER: N_("sticker applied for"),
    InspectionKind.ON_SITE: N_("on-site inspection"),
}
# the dates a custom rule may count from, in words (``ctid.reminders.custom.ALLOWED_FIELDS``)
DATE_FIELD_LABELS = {
    "customer.birthday": N_("Birthday"),
    "customer.licence_review_on": N_("Driver's licence review date"),
    "vehicle.purchase_date": N_("Purchase date"),
    "vehicle.registration_date": N_("Registration date"),
    "vehicle.insurance_expiry": N_("Insurance expires"),
    "vehicle.inspection_due": N_("Annual inspection due"),
    "vehicle.next_service_due": N_("Next service"),
    "vehicle.warranty_expiry": N_("Warranty expires"),
}
# the rule tables' rows: the JSON's ``rules[2].every_months`` is the input ``rules-2-every_months`` of the
# inspection rules, ``custom-2-lead_days`` of the custom rules (each row's first input marks the row)
TABLES = {"rules": ("rules", "from_month"), "custom_rules": (forms_.CUSTOM_PREFIX, "name")}
_INDEXED = re.compile(
    r"(?P<name>[a-z_]+)(?:\[(?P<index>\d+)\])?(?:\.(?P<key>[a-z_]+))?(?:\[(?P<item>\d+)\])?"
)


# --- API ----------------------------------------------------------------------------------------------------


@routes.get("/api/v1/reminders/settings")
@requires(Permission.REMINDERS_SETTINGS)
async def list_settings(request: web.Request) -> web.Response:
    settings = await request.app[SERVICES].reminders.settings.all()
    return web.json_response({"items": [settings_to_json(s) for s in settings.values()]})


@routes.get("/api/v1/reminders/settings/" + TYPE_PATH)
@requires(Permission.REMINDERS_SETTINGS)
async def get_settings(request: web.Request) -> web.Response:
    type_ = _path_type(request)
    settings = await request.app[SERVICES].reminders.settings.all()
    return web.json_response(settings_to_json(settings[type_]))


@routes.put("/api/v1/reminders/settings/" + TYPE_PATH)
@requires(Permission.REMINDERS_SETTINGS)
async def put_settings(request: web.Request) -> web.Response:
    """The type's settings replaced (the keys left out take the type's defaults); 422 naming the field."""
    type_ = _path_type(request)
    body = await read_object(request)
    keeper = request.app[SERVICES].reminders.settings
    saved = await keeper.change(actor(request), current(request).user, type_, body)
    return web.json_response(settings_to_json(saved))


@routes.get("/api/v1/reminders/inspection-rules")
@requires(Permission.REMINDERS_SETTINGS)
async def get_rules(request: web.Request) -> web.Response:
    table = await request.app[SERVICES].reminders.settings.inspection_rules()
    return web.json_response({"rules": inspection_rules_to_json(table)})


@routes.put("/api/v1/reminders/inspection-rules")
@requires(Permission.REMINDERS_SETTINGS)
async def put_rules(request: web.Request) -> web.Response:
    """``{"rules": [...]}`` replaces the table, ``{"rules": null}`` restores the defaults."""
    keeper = request.app[SERVICES].reminders.settings
    table = await keeper.change_inspection_rules(actor(request), current(request).user, await _rules(request))
    return web.json_response({"rules": inspection_rules_to_json(table)})


@routes.get("/api/v1/reminders/custom-rules")
@requires(Permission.REMINDERS_SETTINGS)
async def get_custom_rules(request: web.Request) -> web.Response:
    rules = await request.app[SERVICES].reminders.settings.custom_rules()
    return web.json_response({"rules": custom_rules_to_json(rules)})


@routes.put("/api/v1/reminders/custom-rules")
@requires(Permission.REMINDERS_SETTINGS)
async def put_custom_rules(request: web.Request) -> web.Response:
    """``{"rules": [...]}`` replaces the custom rules; a new rule is sent without an id and gets one."""
    keeper = request.app[SERVICES].reminders.settings
    rules = await keeper.change_custom_rules(actor(request), current(request).user, await _rules(request))
    return web.json_response({"rules": custom_rules_to_json(rules)})


async def _rules(request: web.Request) -> Any:
    """A rule list's body, ``{"rules": ...}``: the list (or null), for its reader to check."""
    body = await read_object(request, ("rules",))
    if "rules" not in body:
        raise ValidationError("rules", N_("%(field)s is required."), field="rules")
    return body["rules"]


# --- the page -----------------------------------------------------------------------------------------------


@routes.get(PAGE)
@requires(Permission.REMINDERS_SETTINGS)
async def settings_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post(PAGE + "/inspection-rules")
@requires(Permission.REMINDERS_SETTINGS)
async def save_rules(request: web.Request) -> web.Response:
    form = await request.post()
    keeper = request.app[SERVICES].reminders.settings
    numbers: list[int] = []
    try:
        if form.get("defaults"):
            data: Any = None
        else:
            data, numbers = forms_.rules_json(form)
        await keeper.change_inspection_rules(actor(request), current(request).user, data)
    except (ValidationError, Conflict) as exc:
        sent = _sent_rows(form, "rules", forms_.RULE_FIELDS, forms_.MAX_RULE_ROWS)
        return await _page(request, rules_form=sent, error=_error(request, exc, "rules", numbers))
    raise web.HTTPSeeOther(PAGE + "?saved=inspection_rules#inspection-rules")


@routes.post(PAGE + "/custom-rules")
@requires(Permission.REMINDERS_SETTINGS)
async def save_custom_rules(request: web.Request) -> web.Response:
    """The custom rules' rows saved whole: a blank name removes a row, a filled blank row adds a rule."""
    form = await request.post()
    keeper = request.app[SERVICES].reminders.settings
    data, numbers = forms_.custom_rules_json(form)
    try:
        await keeper.change_custom_rules(actor(request), current(request).user, data)
    except (ValidationError, Conflict) as exc:
        sent = _sent_rows(form, forms_.CUSTOM_PREFIX, forms_.CUSTOM_FIELDS, forms_.MAX_CUSTOM_ROWS)
        error = _error(request, exc, "custom_rules", numbers)
        return await _page(request, custom_form=sent, error=error)
    raise web.HTTPSeeOther(PAGE + "?saved=custom_rules#custom-rules")


@routes.post(PAGE + "/" + TYPE_PATH)
@requires(Permission.REMINDERS_SETTINGS)
async def save_type(request: web.Request) -> web.Response:
    type_ = _path_type(request)
    form = await request.post()
    keeper = request.app[SERVICES].reminders.settings
    try:
        data = forms_.settings_json(type_, form)
        await keeper.change(actor(request), current(request).user, type_, data)
    except (ValidationError, Conflict) as exc:
        sent = {key: value for key, value in form.items() if isinstance(value, str)}
        return await _page(request, type_form=(type_, sent), error=_error(request, exc, type_.value))
    raise web.HTTPSeeOther(f"{PAGE}?saved={type_.value}#type-{type_.value}")


async def _page(
    request: web.Request,
    type_form: tuple[ReminderType, dict[str, str]] | None = None,
    rules_form: list[dict[str, str]] | None = None,
    error: dict[str, Any] | None = None,
    custom_form: list[dict[str, str]] | None = None,
) -> web.Response:
    keeper = request.app[SERVICES].reminders.settings
    settings = await keeper.all()
    texts = {type_.value: forms_.settings_texts(s) for type_, s in settings.items()}
    if type_form is not None:
        texts[type_form[0].value] = type_form[1]
    rows = rules_form if rules_form is not None else forms_.rules_texts(await keeper.inspection_rules())
    if custom_form is None:
        custom_form = forms_.custom_rules_texts(await keeper.custom_rules())
    context = {
        "types": list(settings),
        "texts": texts,
        "own_fields": {t.value: TYPE_FIELDS.get(t, ()) for t in settings},
        "rules": rows,
        "custom_rules": custom_form,
        "date_fields": DATE_FIELD_LABELS,
        "labels": FIELD_LABELS,
        "channels": CHANNEL_LABELS,
        "assignees": ASSIGNEE_LABELS,
        "schemes": SCHEME_LABELS,
        "kinds": KIND_LABELS,
        "users": await _users(request),
        "template_keys": [t.key for t in await request.app[SERVICES].sms_templates.list(active=True)],
        "saved": request.query.get("saved", "") if error is None else "",
        **(error or {}),
    }
    return render(request, "admin/reminder_settings.html", context, status=422 if error else 200)


async def _users(request: web.Request) -> list[User]:
    """The users a type's items may go to (a fixed user): the active ones, by name."""
    found = await request.app[SERVICES].accounts.users.list_users(PageRequest(1, MAX_PER_PAGE))
    return [user for user in found.items if user.active]


def _path_type(request: web.Request) -> ReminderType:
    try:
        return ReminderType(request.match_info["type"])
    except ValueError:
        raise NotFound(N_("No such reminder type.")) from None


def _sent_rows(form: Any, prefix: str, fields: tuple[str, ...], most: int) -> list[dict[str, str]]:
    """A rule table's rows as they were sent, to show them again with the error (a row is there when its
    second input is: a checkbox left unchecked is not sent)."""
    rows = []
    for index in range(most):
        if f"{prefix}-{index}-{fields[1]}" in form:
            row = {key: form.get(f"{prefix}-{index}-{key}", "") for key in fields}
            rows.append({k: v if isinstance(v, str) else "" for k, v in row.items()})
    return rows


def _error(
    request: web.Request, exc: ValidationError | Conflict, form: str, rows: list[int] | None = None
) -> dict[str, Any]:
    """The error in the page's words: the message naming the field by its label (a row of the rule table
    or a holiday's line by its number, as the page shows it), which form it is in and which input to
    mark."""
    field = exc.field if isinstance(exc, ValidationError) else None
    params = dict(exc.params)
    input_name = None
    if field is not None:
        words, input_name = _field_words(request, field, rows or [], TABLES.get(form, ("rules", "")))
        if "field" in params:
            params["field"] = words
    return {"error": _(request, exc.message, **params), "error_form": form, "field": input_name}


def _field_words(
    request: web.Request, field: str, rows: list[int], table: tuple[str, str]
) -> tuple[str, str]:
    """``lead_days[1]``: ("Lead days", "lead_days"); ``holidays[2].month``: ("Holidays, line 3",
    "holidays"); a rule table's ``rules[0].every_months``: ("Row 1: Every (months)",
    "rules-0-every_months"), ``rules[1].lead_days[0]`` of the custom rules ("Row 2: Lead days",
    "custom-1-lead_days"): ``table`` is the inputs' prefix and a row's first input."""
    found = _INDEXED.fullmatch(field)
    if found is None:
        return field, field
    name, index, key = found["name"], found["index"], found["key"]
    if name == "templates" and key in CHANNEL_LABELS:
        return f"{_(request, FIELD_LABELS[name])} ({_(request, CHANNEL_LABELS[Channel(key)])})", field
    if name == "rules" and index is not None:
        prefix, first = table
        row = rows[int(index)] if int(index) < len(rows) else int(index)
        words = _(request, "Row %(num)d", num=row + 1)
        if key in FIELD_LABELS:
            return f"{words}: {_(request, FIELD_LABELS[key])}", f"{prefix}-{row}-{key}"
        return words, f"{prefix}-{row}-{first}"
    label = _(request, FIELD_LABELS[name]) if name in FIELD_LABELS else name
    if name == "holidays" and index is not None:
        return _(request, "%(what)s, line %(num)d", what=label, num=int(index) + 1), name
    return label, name
