"""Parsing the SMS API's bodies and queries (ctid.web.forms' parsers): one SMS to send, the history's
filters. Pure: clean values or a ValidationError naming the field. Fuzzed by tests/web/test_sms_forms.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from ctid.core.errors import N_, ValidationError
from ctid.core.paging import PageRequest
from ctid.messaging.models import Purpose, SmsFilter, SmsStatus
from ctid.messaging.template_service import is_key
from ctid.messaging.templates import MAX_TEMPLATE, check_text
from ctid.reminders.models import ReminderType
from ctid.web import forms
from ctid.web.forms import MAX_ID, Input

MAX_TEXT = 1000
MAX_VALUE = 200
MAX_VALUES = 20
SEND = ("customer_id", "number", "text", "template", "values", "purpose")


@dataclass(frozen=True)
class SmsBody:
    """``POST /api/v1/sms``: to ``customer_id`` or ``number`` (or a number of that customer's), the
    ``text`` or a ``template`` key with its ``values``."""

    customer_id: int | None
    number: str | None
    text: str | None
    template: str | None
    values: dict[str, str] = field(default_factory=dict)
    purpose: Purpose | None = None


@dataclass(frozen=True)
class HistoryQuery:
    """``GET /api/v1/sms``'s filters; ``number`` as typed (the service reads it as E.164)."""

    customer_id: int | None
    number: str
    status: SmsStatus | None
    purpose: Purpose | None
    since: datetime | None
    until: datetime | None
    branch_id: int | None
    page: PageRequest

    def filter(self) -> SmsFilter:
        """The history's filter (the API's and the page's)."""
        return SmsFilter(
            branch_id=self.branch_id,
            customer_id=self.customer_id,
            number=self.number or None,
            status=self.status,
            purpose=self.purpose,
            since=self.since,
            until=self.until,
        )


def sms_body(data: Input) -> SmsBody:
    forms.known(data, SEND)
    customer_id = forms.optional_integer(data, "customer_id", 1, MAX_ID)
    number = forms.text(data, "number", 40) or None
    if customer_id is None and number is None:
        raise ValidationError("customer_id", N_("Give a customer or a number."))
    text = forms.multiline(data, "text", MAX_TEXT) or None
    template = forms.text(data, "template", 40) or None
    if (text is None) == (template is None):
        raise ValidationError("text", N_("Give a text or a template, not both."))
    return SmsBody(
        customer_id, number, text, template, values(data), forms.optional_choice(data, "purpose", Purpose)
    )


def values(data: Input, name: str = "values") -> dict[str, str]:
    """A template's placeholder values: ``{"plate": "粤A12345"}``, names as the templates write them."""
    raw = data.get(name) or {}
    if not isinstance(raw, dict) or len(raw) > MAX_VALUES:
        raise ValidationError(
            name, N_("%(what)s must be an object of at most %(max)d texts."), what=name, max=MAX_VALUES
        )
    parsed: dict[str, str] = {}
    for key, value in raw.items():
        if not (isinstance(key, str) and key.isidentifier() and key.isascii() and len(key) <= 40):
            raise ValidationError(name, N_("%(what)s has a name that is not a placeholder's."), what=name)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError(
                name, N_("%(what)s must be an object of at most %(max)d texts."), what=name, max=MAX_VALUES
            )
        parsed[key] = forms.text({name: str(value)}, name, MAX_VALUE)
    return parsed


def history_query(data: Input, tz: ZoneInfo) -> HistoryQuery:
    since, until = forms.day_range(data, tz)
    number = forms.text(data, "number", 40)
    if number and not any(c.isdigit() for c in number):
        raise ValidationError("number", N_("%(what)s must contain digits."), what="number")
    return HistoryQuery(
        customer_id=forms.optional_integer(data, "customer", 1, MAX_ID),
        number=number,
        status=forms.optional_choice(data, "status", SmsStatus),
        purpose=forms.optional_choice(data, "purpose", Purpose),
        since=since,
        until=until,
        branch_id=forms.optional_integer(data, "branch", 1, MAX_ID),
        page=forms.page_request(data),
    )


PREVIEW = ("customer_id", "text", "template", "values", "template_text")
BULK = ("search", "text", "template", "values", "send")
TEMPLATE = ("key", "name", "text", "provider_code", "reminder_type", "lead_days", "auto_send", "active")
MAX_LEAD_DAYS = 365


@dataclass(frozen=True)
class PreviewBody:
    """``POST /api/v1/sms/preview``: a ``text`` as it goes, a saved ``template`` by key, or the
    ``template_text`` an admin is writing on the templates page (filled with samples), one of them."""

    customer_id: int | None
    text: str | None
    template: str | None
    values: dict[str, str]
    template_text: str | None = None


@dataclass(frozen=True)
class BulkBody:
    search: dict[str, str]  # the customer list's query (branch, level, source, tag, due, within ...)
    text: str | None
    template: str | None
    values: dict[str, str]
    send: bool


def preview_body(data: Input) -> PreviewBody:
    forms.known(data, PREVIEW)
    text = forms.multiline(data, "text", MAX_TEXT) or None
    template = forms.text(data, "template", 40) or None
    if text is not None and template is not None:
        raise ValidationError("text", N_("Give a text or a template, not both."))
    template_text = forms.multiline(data, "template_text", MAX_TEMPLATE) or None
    if template_text is not None and (text is not None or template is not None):
        raise ValidationError("template_text", N_("Give a text or a template, not both."))
    customer_id = forms.optional_integer(data, "customer_id", 1, MAX_ID)
    return PreviewBody(customer_id, text, template, values(data), template_text)


def bulk_body(data: Input) -> BulkBody:
    forms.known(data, BULK)
    text = forms.multiline(data, "text", MAX_TEXT) or None
    template = forms.text(data, "template", 40) or None
    if (text is None) == (template is None):
        raise ValidationError("text", N_("Give a text or a template, not both."))
    search = data.get("search") or {}
    if not isinstance(search, dict) or not all(isinstance(v, str | int) for v in search.values()):
        raise ValidationError("search", N_("%(what)s must be the customer list's filters."), what="search")
    return BulkBody(
        {str(k): str(v) for k, v in search.items()}, text, template, values(data), forms.flag(data, "send")
    )


def template_fields(data: Input, new: bool) -> dict[str, object]:
    """A new template (``key``, ``name``, ``text`` required) or the changes to one (only what is sent; the
    key never changes)."""
    forms.known(data, TEMPLATE if new else TEMPLATE[1:])
    parsed: dict[str, object] = {}
    if new:
        key = forms.text(data, "key", 40, required=True)
        if not is_key(key):
            raise ValidationError(
                "key", N_("%(what)s must be lowercase letters, digits, _ and -."), what="key"
            )
        parsed["key"] = key
    for name in ("name", "text"):
        if new or name in data:
            reader = forms.text if name == "name" else forms.multiline
            parsed[name] = reader(data, name, 64 if name == "name" else MAX_TEMPLATE)
            if not parsed[name]:
                raise ValidationError(name, N_("%(what)s is required."), what=name)
    if "text" in parsed:
        check_text(str(parsed["text"]))
    if "provider_code" in data:
        parsed["provider_code"] = (
            forms.nullable(data, "provider_code", lambda d, n: forms.text(d, n, 64)) or None
        )
    if "reminder_type" in data:
        kind = forms.optional_choice(data, "reminder_type", ReminderType)
        parsed["reminder_type"] = kind.value if kind else None
    if "lead_days" in data:
        parsed["lead_days"] = forms.optional_integer(data, "lead_days", 0, MAX_LEAD_DAYS)
    for flag in ("auto_send", "active"):
        if data.get(flag) is not None:
            value = forms.optional_boolean(data, flag)
            if value is None:
                raise ValidationError(flag, N_("%(what)s must be true or false."), what=flag)
            parsed[flag] = value
    return parsed
