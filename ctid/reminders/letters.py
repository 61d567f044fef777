"""Letters (信函): the queue's letter items of a day as one letter a customer, for an A4 page each or a CSV
for a mail merge, and marked sent once posted.

A customer with several letter items that day (insurance and inspection) gets one letter naming each, as
one call covers them on the phone (the items share a contact key). The text of each line is the type's
letter template, or its SMS template when it has none (the outbox's templates), so a shop writes its wording
once; a type with neither gets a plain line the page writes itself. An SMS template on paper loses what only
an SMS says: its salutation (the letter has its own, once, not once a line) and its opt-out tail ("回复TD退订"
means nothing in the post). Pure: the service reads the items, addresses, settings and templates and hands
them in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ctid.core.errors import ValidationError
from ctid.messaging.templates import render
from ctid.reminders.item_models import ReminderItem
from ctid.reminders.models import Channel, ReminderType
from ctid.reminders.settings import TypeSettings

MAX_LETTERS = 2000  # a day's letters: a morning's printing; more is a filter to narrow
SMS_SALUTATION = re.compile(r"^\s*(?:尊敬的|亲爱的)?\s*\{customer\}\s*(?:您好|你好)?\s*[：:，,]\s*")
SMS_OPT_OUT = re.compile(
    r"[\s，,]*(?:回复?\s*(?:TD|T|R|N|退订)\s*(?:退订)?|退订\s*回复?\s*(?:TD|T|R|N))[\s。.！!]*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LetterLine:
    """One thing the letter reminds of; ``text`` None when the type has no template (the page words it)."""

    item_id: int
    type: ReminderType
    due_on: date
    plate: str | None
    text: str | None


@dataclass(frozen=True)
class Letter:
    customer_id: int
    name: str
    address: str
    lines: tuple[LetterLine, ...]

    @property
    def item_ids(self) -> tuple[int, ...]:
        return tuple(line.item_id for line in self.lines)


def by_contact(items: Iterable[ReminderItem]) -> list[list[ReminderItem]]:
    """The items grouped by contact (one letter each), in the order the first of each came."""
    groups: dict[tuple[int, str], list[ReminderItem]] = {}
    for item in items:
        groups.setdefault((item.customer_id, item.contact_key), []).append(item)
    return list(groups.values())


def template_key(settings: TypeSettings) -> str | None:
    """The template a letter of this type is written from: its own letter template, else its SMS one."""
    return settings.template(Channel.LETTER) or settings.template(Channel.SMS)


def on_paper(sms: str) -> str:
    """An SMS template's text as a letter's line: without its salutation ("尊敬的{customer}：") and its
    opt-out tail ("回复TD退订"), the rest as written."""
    return SMS_OPT_OUT.sub("", SMS_SALUTATION.sub("", sms, count=1), count=1).strip()


def written_date(day: date) -> str:
    """A date as a Chinese letter writes it: 2026年12月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


def letters(
    items: Sequence[ReminderItem],
    addresses: Mapping[int, str],
    settings: Mapping[ReminderType, TypeSettings],
    templates: Mapping[str, str],
    shop: str,
) -> list[Letter]:
    """One letter a contact, each line's text from its type's template (``templates``: the active ones'
    texts by key). A template that needs a value a letter has not (an appointment time) words nothing: the
    page's own line stands in, rather than a letter reading "{appointment_time}"."""
    found = []
    for group in by_contact(items):
        first = group[0]
        lines = tuple(_line(item, settings, templates, shop) for item in group)
        address = addresses.get(first.customer_id, "")
        found.append(Letter(first.customer_id, first.customer_name, address, lines))
    return found


def _line(
    item: ReminderItem, settings: Mapping[ReminderType, TypeSettings], templates: Mapping[str, str], shop: str
) -> LetterLine:
    own = settings.get(item.type)
    key = template_key(own) if own is not None else None
    values = {"customer": item.customer_name, "due_date": written_date(item.due_on), "shop": shop}
    if item.plate:
        values["plate"] = item.plate
    text = None
    if own is not None and key is not None and key in templates:
        written = templates[key] if own.template(Channel.LETTER) else on_paper(templates[key])
        try:
            text = render(written, values) or None
        except ValidationError:
            text = None
    return LetterLine(item.id, item.type, item.due_on, item.plate, text)
