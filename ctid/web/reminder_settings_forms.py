"""The reminder settings page's forms (``/admin/reminders``) as the JSON the settings readers take, and
the settings back as the forms' texts.

A form sends texts: lead days as "45, 30, 15", numbers as typed (full-width digits too), the holidays
one a line ("中秋 lunar 8-15"). These turn them into the JSON object ``settings_from_json`` reads (and the
rows ``inspection_rules_from_json`` and ``custom_rules_from_json`` read), and leave every check of a
value to those readers, so the page and the API refuse the same things naming the same field. A text that
is no number is passed on as it is, and refused there by the field's name. Pure: tested directly."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ctid.core.errors import N_, ValidationError
from ctid.reminders.custom import MAX_RULES, CustomRule
from ctid.reminders.inspection import InspectionRule
from ctid.reminders.models import Channel, ReminderType
from ctid.reminders.settings import TYPE_FIELDS, Calendar, Holiday, TypeSettings

COMMON_NUMBERS = ("expire_after_days", "retry_after_days", "retry_max_tries", "contacted_window_days")
NUMBERS = (
    *COMMON_NUMBERS,
    "follow_up_after_days",
    "interval_months",
    "interval_km",
    "first_service_months",
    "first_service_km",
    "min_history_days",
)
CHECKBOXES = ("enabled", "auto_send_sms")
TEMPLATE_PREFIX = "templates."
RULE_FIELDS = ("scheme", "from_month", "to_month", "every_months", "kind")
MAX_RULE_ROWS = 60  # the table's 40 rows and blank ones to add
CUSTOM_PREFIX = "custom"  # custom-0-name, custom-0-field, ...
CUSTOM_FIELDS = ("id", "name", "field", "lead_days", "yearly", "enabled")
MAX_CUSTOM_ROWS = MAX_RULES + 10  # every rule and blank ones to add
MAX_FORM_TEXT = 2000

_SEPARATORS = re.compile(r"[\s,，、;；]+")
# "中秋 lunar 8-15", "国庆 solar 10-01", also 农历/公历 and 8月15日
_HOLIDAY = re.compile(r"(?P<name>.+?)\s+(?P<calendar>\S+)\s+(?P<month>\S+?)\s*[-/.月]\s*(?P<day>\S+?)日?")
_CALENDAR_WORDS = {
    "农历": Calendar.LUNAR,
    "阴历": Calendar.LUNAR,
    "公历": Calendar.SOLAR,
    "阳历": Calendar.SOLAR,
}
HOLIDAY_LINE = N_("%(field)s must be a name, solar or lunar, and a month-day, such as 中秋 lunar 8-15.")


def settings_json(type_: ReminderType, form: Mapping[str, Any]) -> dict[str, Any]:
    """One type's form as its settings' JSON object (``type`` and every key the type has)."""
    data: dict[str, Any] = {"type": type_.value}
    for name in CHECKBOXES:
        data[name] = _checked(_text(form, name))
    data["lead_days"] = _days(_text(form, "lead_days"))
    data["channel"] = _text(form, "channel")
    data["assignee"] = _text(form, "assignee")
    user_id = _text(form, "assignee_user_id")
    data["assignee_user_id"] = _number(user_id) if user_id else None
    data["templates"] = {
        channel.value: _text(form, TEMPLATE_PREFIX + channel.value) or None for channel in Channel
    }
    own = TYPE_FIELDS.get(type_, ())
    for name in NUMBERS:
        if name in COMMON_NUMBERS or name in own:
            data[name] = _number(_text(form, name))
    if "holidays" in own:
        data["holidays"] = holidays_json(_text(form, "holidays"))
    return data


def holidays_json(text: str) -> list[dict[str, Any]]:
    """The holidays' lines as their JSON objects; a line that is not "name calendar month-day" is refused
    naming it (``holidays[2]``)."""
    found = []
    for index, line in enumerate(row for row in (raw.strip() for raw in text.splitlines()) if row):
        match = _HOLIDAY.fullmatch(line)
        if match is None:
            name = f"holidays[{index}]"
            raise ValidationError(name, HOLIDAY_LINE, field=name)
        calendar = match["calendar"]
        found.append(
            {
                "name": match["name"],
                "calendar": _CALENDAR_WORDS.get(calendar, calendar.lower()),
                "month": _number(match["month"]),
                "day": _number(match["day"]),
            }
        )
    return found


def rules_json(form: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[int]]:
    """The inspection rule table's rows (``rules-0-scheme``, ``rules-0-from_month``, ...) as its JSON list,
    and the form's row number of each (blank rows are left out: the refusal of ``rules[2]`` names the
    form's row)."""
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    for index in range(MAX_RULE_ROWS):
        texts = {key: _text(form, f"rules-{index}-{key}") for key in RULE_FIELDS}
        if not any(texts[key] for key in ("from_month", "to_month", "every_months")):
            continue  # a blank row (or one emptied to remove it)
        rows.append(
            {
                "scheme": texts["scheme"],
                "from_month": _number(texts["from_month"]),
                "to_month": _number(texts["to_month"]) if texts["to_month"] else None,
                "every_months": _number(texts["every_months"]),
                "kind": texts["kind"],
            }
        )
        numbers.append(index)
    return rows, numbers


def custom_rules_json(form: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[int]]:
    """The custom rules' rows (``custom-0-name``, ``custom-0-field``, ...) as their JSON list, and the form's
    row number of each. A row with a blank name is left out: a blank row, or a rule removed. A row without
    an id is a new rule (the service numbers it); an id is sent back as it was shown."""
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    for index in range(MAX_CUSTOM_ROWS):
        texts = {key: _text(form, f"{CUSTOM_PREFIX}-{index}-{key}") for key in CUSTOM_FIELDS}
        if not texts["name"]:
            continue
        row: dict[str, Any] = {
            "name": texts["name"],
            "field": texts["field"],
            "lead_days": _days(texts["lead_days"]),
            "yearly": _checked(texts["yearly"]),
            "enabled": _checked(texts["enabled"]),
        }
        if texts["id"]:
            row["id"] = _number(texts["id"])
        rows.append(row)
        numbers.append(index)
    return rows, numbers


def settings_texts(settings: TypeSettings) -> dict[str, str]:
    """The form's texts of a type's settings, which ``settings_json`` reads back to the same settings."""
    texts = {
        "enabled": "on" if settings.enabled else "",
        "auto_send_sms": "on" if settings.auto_send_sms else "",
        "lead_days": ", ".join(str(day) for day in settings.lead_days),
        "channel": settings.channel.value,
        "assignee": settings.assignee.value,
        "assignee_user_id": "" if settings.assignee_user_id is None else str(settings.assignee_user_id),
    }
    for channel in Channel:
        texts[TEMPLATE_PREFIX + channel.value] = settings.templates.get(channel, "")
    own = TYPE_FIELDS.get(settings.type, ())
    for name in NUMBERS:
        if name in COMMON_NUMBERS or name in own:
            texts[name] = str(getattr(settings, name))
    if "holidays" in own:
        texts["holidays"] = "\n".join(holiday_text(h) for h in settings.holidays)
    return texts


def holiday_text(holiday: Holiday) -> str:
    return f"{holiday.name} {holiday.calendar.value} {holiday.month}-{holiday.day}"


def rules_texts(table: Sequence[InspectionRule], blank_rows: int = 2) -> list[dict[str, str]]:
    """The table's rows as the form's texts, and ``blank_rows`` empty ones to add a rule."""
    rows = [
        {
            "scheme": rule.scheme.value,
            "from_month": str(rule.from_month),
            "to_month": "" if rule.to_month is None else str(rule.to_month),
            "every_months": str(rule.every_months),
            "kind": rule.kind.value,
        }
        for rule in table
    ]
    return rows + [dict.fromkeys(RULE_FIELDS, "") for _ in range(blank_rows)]


def custom_rules_texts(rules: Sequence[CustomRule], blank_rows: int = 3) -> list[dict[str, str]]:
    """The rules as the form's rows, and ``blank_rows`` empty ones (switched on) to add a rule."""
    rows = [
        {
            "id": str(rule.id),
            "name": rule.name,
            "field": rule.field,
            "lead_days": ", ".join(str(day) for day in rule.lead_days),
            "yearly": "on" if rule.yearly else "",
            "enabled": "on" if rule.enabled else "",
        }
        for rule in rules
    ]
    return rows + [{**dict.fromkeys(CUSTOM_FIELDS, ""), "enabled": "on"} for _ in range(blank_rows)]


def _checked(text: str) -> bool:
    return text not in ("", "0", "false", "off")


def _days(text: str) -> list[int | str]:
    """Lead days as typed ("45, 30 15", "30，10"): each a number, else the text for the reader to refuse."""
    return [_number(part) for part in _SEPARATORS.split(text) if part]


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value.strip()[:MAX_FORM_TEXT] if isinstance(value, str) else ""


def _number(text: str) -> int | str:
    """A whole number as typed (full-width digits too), else the text, for the reader to refuse by name."""
    if not text.strip() or len(text) > 12:
        return text
    try:
        return int(text)
    except ValueError:
        return text
