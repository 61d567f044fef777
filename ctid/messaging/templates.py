"""SMS templates: text with placeholders ({customer}, {plate}, {due_date}, {shop}, {appointment_time},
{advisor}) filled from values. Pure: rendering does no I/O, and a placeholder that is not known, or has no
value, is an error naming it (a message must never go out reading "{plate}")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from ctid.core.errors import N_, ValidationError

PLACEHOLDERS = ("customer", "plate", "due_date", "shop", "appointment_time", "advisor")
"""What a template may use; the reminders fill them from the CRM (ctid.reminders.sms_service)."""
SAMPLE = {
    "customer": "张先生",
    "plate": "粤A12345",
    "due_date": "2026年12月31日",
    "shop": "本店",
    "appointment_time": "12月8日 09:30",
    "advisor": "李明",
}
"""What a preview fills a placeholder with when no value is known yet (a realistic length)."""
PLACEHOLDER = re.compile(r"\{([^{}\s]{0,40})\}")
MAX_TEMPLATE = 500


@dataclass(frozen=True)
class SmsTemplate:
    """A preset (短信预设): ``reminder_type`` the kind of reminder it is the preset for, ``lead_days`` how
    many days before the due date it goes, ``auto_send`` whether it is sent without the worklist."""

    id: int
    key: str
    name: str
    text: str
    provider_code: str | None
    reminder_type: str | None
    lead_days: int | None
    auto_send: bool
    active: bool


def placeholders(text: str) -> list[str]:
    """The placeholders ``text`` uses, in order, each once."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def check_text(text: str, field: str = "text") -> str:
    """A template's text whose placeholders are all known (ValidationError naming the first that is not)."""
    for name in placeholders(text):
        if name not in PLACEHOLDERS:
            raise ValidationError(field, N_("Unknown placeholder {%(name)s}."), name=name)
    return text


def render(text: str, values: Mapping[str, str], field: str = "values") -> str:
    """``text`` with every placeholder replaced by its value; unknown ones or missing values are errors."""
    check_text(text, "template")
    missing = [name for name in placeholders(text) if not str(values.get(name, "")).strip()]
    if missing:
        raise ValidationError(field, N_("No value for {%(name)s}."), name=missing[0])
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]).strip(), text)
