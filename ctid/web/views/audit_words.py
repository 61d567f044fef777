"""The audit log in the reader's words: what was done (``user.login`` is 登录), to what record (the user's
or branch's name, not "#3"), which fields changed (their labels) and their values as the pages show them
(a role's word, a branch's name, a user's display name, a time in the shop's zone).

The log stores codes and ids, so that it reads the same whatever language wrote it and filters stay
stable; the page shows the words. A code without words here (one added later) is shown as stored, never
hidden. ``read_entry`` is pure: the names and the translation come in, so it is tested directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ctid.audit.models import AuditEntry
from ctid.core.errors import N_
from ctid.crm.imports.fields import LABELS as IMPORT_FIELDS
from ctid.web.i18n import LANGUAGE_NAMES
from ctid.web.render import _
from ctid.web.views.crm_pages import FIELD_LABELS as CUSTOMER_FIELDS
from ctid.web.views.crm_prospect_pages import OPTION_KIND_LABELS
from ctid.web.views.form_errors import FIELD_LABELS as FORM_FIELDS
from ctid.web.views.reminder_settings import FIELD_LABELS as REMINDER_SETTINGS_FIELDS

Gettext = Callable[..., str]

ACTIONS: Mapping[str, str] = {
    "user.login": N_("Logged in"),
    "user.logout": N_("Logged out"),
    "user.create": N_("User added"),
    "user.update": N_("User changed"),
    "user.password": N_("Password changed"),
    "user.lines": N_("Console lines changed"),
    "token.create": N_("API token created"),
    "token.revoke": N_("API token revoked"),
    "branch.create": N_("Branch added"),
    "branch.update": N_("Branch changed"),
    "announcement.create": N_("Announcement posted"),
    "announcement.delete": N_("Announcement deleted"),
    "customer.create": N_("Customer added"),
    "customer.update": N_("Customer changed"),
    "customer.opt_outs": N_("Opt-outs changed"),
    "customer.import": N_("Customers imported"),
    "vehicle.create": N_("Vehicle added"),
    "vehicle.update": N_("Vehicle changed"),
    "vehicle.mileage": N_("Mileage recorded"),
    "vehicle.import": N_("Vehicles imported"),
    "visit.create": N_("Visit added"),
    "visit.update": N_("Visit changed"),
    "visit.close": N_("Visit closed"),
    "follow_up.create": N_("Follow-up filed"),
    "follow_up.update": N_("Follow-up changed"),
    "prospect.create": N_("Prospect registered"),
    "prospect.update": N_("Prospect changed"),
    "prospect.review": N_("Prospect reviewed"),
    "prospect.visit": N_("Prospect visit added"),
    "prospect.won": N_("Prospect won"),
    "prospect.lost": N_("Prospect lost"),
    "crm.import": N_("CRM import"),
    "crm.seed_demo": N_("Demo data added"),
    "crm_option.create": N_("Base data value added"),
    "crm_option.update": N_("Base data value changed"),
    "catalogue.create": N_("Service item added"),
    "catalogue.update": N_("Service item changed"),
    "call.note": N_("Call note saved"),
    "call.customer": N_("Call linked to a customer"),
    "call.result": N_("Call result given"),
    "wrap_up_code.create": N_("Call result added to the list"),
    "wrap_up_code.update": N_("Call result changed in the list"),
    "appointment.create": N_("Appointment booked"),
    "appointment.update": N_("Appointment changed"),
    "recording.delete": N_("Recording deleted"),
    "recording.note": N_("Recording note saved"),
    "recording.tags": N_("Recording tags changed"),
    "reminder.update": N_("Reminder worked"),
    "reminder.build": N_("Reminder queue built"),
    "reminder_settings.update": N_("Reminder settings changed"),
    "campaign.create": N_("Campaign made"),
    "campaign.change": N_("Campaign changed"),
    "campaign.start": N_("Campaign started"),
    "campaign.pause": N_("Campaign paused"),
    "campaign.stop": N_("Campaign stopped"),
    "campaign.exclude": N_("Contact taken out of a campaign"),
    "campaign.exclude_number": N_("Number taken out of a campaign"),
    "campaign.include": N_("Contact let back into a campaign"),
    "dnc.add": N_("Number put on the do-not-call list"),
    "dnc.remove": N_("Number taken off the do-not-call list"),
    "call.override": N_("Dialled despite a refusal"),
}

KINDS: Mapping[str, str] = {
    "user": N_("User"),
    "api_token": N_("API token"),
    "branch": N_("Branch"),
    "announcement": N_("Announcement"),
    "customer": N_("Customer"),
    "vehicle": N_("Vehicle record"),
    "visit": N_("Visit"),
    "follow_up": N_("Follow-up"),
    "prospect": N_("Prospect"),
    "crm_option": N_("Base data"),
    "catalogue_item": N_("Service item"),
    "call": N_("Call"),
    "wrap_up_code": N_("Call result"),
    "recording": N_("Recording"),
    "appointment": N_("Appointment"),
    "reminder": N_("Reminder"),
    "reminder_build": N_("Reminder queue of a day"),
    "reminder_settings": N_("Reminder settings"),
}

FIELDS: Mapping[str, str] = {
    **REMINDER_SETTINGS_FIELDS,  # first: the other forms' labels of the same keys win
    **IMPORT_FIELDS,
    **FORM_FIELDS,
    **CUSTOMER_FIELDS,
    "password": N_("Password"),
    "locale": N_("Language"),
    "active": N_("Active"),
    "lines": N_("Lines"),
    "status": N_("Status"),
    "note": N_("Note"),
    "customers": N_("Customers"),
    "seed": N_("Seed"),
    "customer_id": N_("Customer"),
    "vehicle_id": N_("Vehicle record"),
    "visit_id": N_("Visit"),
    "value": N_("Value"),
    "position": N_("Position"),
    "label": N_("Label"),
    "price": N_("Price"),
    "category": N_("Category"),
    "content": N_("Content"),
    "result": N_("Result"),
    "recorder_id": N_("Recorded by"),
    "handler_id": N_("Handled by"),
    "created_by": N_("Created by"),
    "reviewed_by": N_("Reviewed by"),
    "user_id": N_("User"),
    "user": N_("User"),
    "channel": N_("Channel"),
    "created_at": N_("Created"),
    "updated_at": N_("Updated"),
    "due_on": N_("Due"),
    "prefix": N_("Token begins with"),
    "day": N_("Day"),
    "slot": N_("Time slot"),
    "advisor_id": N_("Service advisor"),
    "service": N_("Service"),
    "service_item_id": N_("Catalogue item"),
    "source": N_("Source"),
    "reminder_item_id": N_("Reminder item"),
    "assignee_id": N_("Assigned to"),
    "snoozed_until": N_("Snoozed until"),
    "call_back_at": N_("Call back at"),
    "contact_on": N_("Contact on"),
    "expires_on": N_("Expires"),
    "attempts": N_("Unanswered calls"),
    "appointment_id": N_("Appointment"),
}

# Keys whose numbers are a user's or a branch's id: shown as the user's display name, the branch's name.
USER_KEYS = frozenset(
    {
        "assigned_user_id",
        "assignee_id",
        "created_by",
        "recorder_id",
        "handler_id",
        "reviewed_by",
        "user_id",
        "advisor_id",
    }
)
BRANCH_KEYS = frozenset({"branch_id"})
CUSTOMER_KEYS = frozenset({"customer_id"})
# Keys whose text values are codes with words (a role, a status, a kind...), translated as the pages do.
CODE_KEYS = frozenset(
    {
        "role",
        "status",
        "kind",
        "gender",
        "transmission",
        "direction",
        "outcome",
        "reason",
        "opt_outs",
        "kinds",
    }
)
# Who wrote an entry when no user did (``Actor.system(name)``).
SYSTEM_ACTORS: Mapping[str, str] = {
    "system": N_("ctid (the system)"),
    "demo": N_("the demo"),
    "cli": N_("the ctid command"),
    "retention": N_("recording retention"),
}
WORDS: Mapping[str, str] = {"(reset)": N_("(reset)")}
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
PAGES: Mapping[str, str] = {
    "customer": "/customers/{}",
    "prospect": "/prospects/{}",
    "recording": "/recordings/{}",
}


@dataclass(frozen=True)
class Names:
    """What the ids of one page of entries stand for."""

    users: Mapping[int, str]  # a user's id: their display name (or user name)
    branches: Mapping[int, str]  # a branch's id: its name
    customers: Mapping[int, str] = field(default_factory=dict)  # a customer's id: their name


@dataclass(frozen=True)
class Change:
    key: str  # as stored (the title of its label, for whoever must match the log to the code)
    label: str
    value: str


@dataclass(frozen=True)
class ReadEntry:
    """One entry as the page shows it."""

    entry: AuditEntry
    when: str
    who: str
    action: str
    what: str
    href: str | None
    before: tuple[Change, ...]
    after: tuple[Change, ...]


def read_entry(entry: AuditEntry, gettext: Gettext, names: Names, zone: ZoneInfo) -> ReadEntry:
    """``entry`` in words: every code translated, every id that names a user or a branch by its name."""
    reader = _Reader(gettext, names, zone, entry.entity_type)
    return ReadEntry(
        entry=entry,
        when=reader.time(entry.at),
        who=_who(entry, gettext, names),
        action=reader.word(ACTIONS, entry.action),
        what=_what(entry, gettext, names),
        href=PAGES[entry.entity_type].format(entry.entity_id) if entry.entity_type in PAGES else None,
        before=reader.changes(entry.before),
        after=reader.changes(entry.after),
    )


@dataclass(frozen=True)
class Ids:
    """The ids of users, branches and customers a page of entries mentions, to look up in one go each."""

    users: set[int] = field(default_factory=set)
    branches: set[int] = field(default_factory=set)
    customers: set[int] = field(default_factory=set)


def ids_named(entries: Iterable[AuditEntry]) -> Ids:
    ids = Ids()
    kinds = {"user": ids.users, "branch": ids.branches, "customer": ids.customers}
    keys = [(USER_KEYS, ids.users), (BRANCH_KEYS, ids.branches), (CUSTOMER_KEYS, ids.customers)]
    for entry in entries:
        if entry.actor_id is not None:
            ids.users.add(entry.actor_id)
        if entry.entity_type in kinds and entry.entity_id.isdigit():
            kinds[entry.entity_type].add(int(entry.entity_id))
        for values in (entry.before or {}, entry.after or {}):
            for key, value in values.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    for named, found in keys:
                        if key in named:
                            found.add(value)
    return ids


def audit_words(request: web.Request, codes: Iterable[str]) -> dict[str, str]:
    """Every action and kind code in ``codes`` that has words, in the reader's language (the filters)."""
    table = {**KINDS, **ACTIONS}
    return {code: _(request, table[code]) for code in set(codes) if code in table}


def _who(entry: AuditEntry, gettext: Gettext, names: Names) -> str:
    if entry.actor_id is not None:
        return names.users.get(entry.actor_id, entry.actor_name)
    return gettext(SYSTEM_ACTORS[entry.actor_name]) if entry.actor_name in SYSTEM_ACTORS else entry.actor_name


def _what(entry: AuditEntry, gettext: Gettext, names: Names) -> str:
    kind = gettext(KINDS[entry.entity_type]) if entry.entity_type in KINDS else entry.entity_type
    ident = int(entry.entity_id) if entry.entity_id.isdigit() else None
    named = {"user": names.users, "branch": names.branches, "customer": names.customers}.get(
        entry.entity_type, {}
    )
    if ident is not None and ident in named:
        return f"{kind} {named[ident]}"
    return f"{kind} #{entry.entity_id}"


@dataclass(frozen=True)
class _Reader:
    gettext: Gettext
    names: Names
    zone: ZoneInfo
    kind: str

    def word(self, table: Mapping[str, str], code: str) -> str:
        return self.gettext(table[code]) if code in table else code

    def time(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S")

    def changes(self, values: Mapping[str, Any] | None) -> tuple[Change, ...]:
        return tuple(
            Change(key, self.word(FIELDS, key), self.value(key, value))
            for key, value in (values or {}).items()
        )

    def value(self, key: str, value: Any) -> str:
        """A stored value for people: no ``None``/``True``, no ids, no codes, no UTC."""
        if value is None or value == "" or value == [] or value == {}:
            return "—"
        if isinstance(value, bool):
            label = "yes" if value else "no"  # marked for translation in labels.py
            return self.gettext(label)
        if isinstance(value, int) and key in USER_KEYS:
            return self.names.users.get(value, f"#{value}")
        if isinstance(value, int) and key in BRANCH_KEYS:
            return self.names.branches.get(value, f"#{value}")
        if isinstance(value, int) and key in CUSTOMER_KEYS:
            return self.names.customers.get(value, f"#{value}")
        if isinstance(value, list):
            return "、".join(self.value(key, item) for item in value)
        if isinstance(value, dict):
            return "、".join(self._pair(key, k, v) for k, v in value.items())
        if not isinstance(value, str):
            return str(value)
        return self._text(key, value)

    def _pair(self, key: str, inner: str, value: Any) -> str:
        shown = self.gettext(inner) if key in CODE_KEYS else self.word(FIELDS, inner)
        return f"{shown} ({self.value(key, value)})" if value not in (None, "", True) else shown

    def _text(self, key: str, value: str) -> str:
        if key == "tags" and value.startswith(","):  # a recording's tags, stored as ",a,b," to match whole
            return "、".join(tag for tag in value.split(",") if tag) or "—"
        if value in WORDS:
            return self.gettext(WORDS[value])
        if key == "locale":
            return LANGUAGE_NAMES.get(value, value)
        if key == "kind" and self.kind == "crm_option":
            return self.word({k.value: v for k, v in OPTION_KIND_LABELS.items()}, value)
        if key in CODE_KEYS:
            return self.gettext(value)
        if _TIMESTAMP.match(value):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                return value
            return self.time(moment) if moment.tzinfo is not None else value
        return value
