"""The reminders API's JSON shapes (see docs/api.md, "Reminders"): pure functions of the records."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ctid.reminders.build import BuildResult
from ctid.reminders.item_models import CustomerReminders, ReminderEvent, ReminderItem
from ctid.web.json import jsonable

Json = dict[str, Any]


def item_json(item: ReminderItem) -> Json:
    body: Json = jsonable(asdict(item))
    return body


def event_json(event: ReminderEvent) -> Json:
    body: Json = jsonable(asdict(event))
    return body


def history_json(history: CustomerReminders) -> Json:
    return {
        "items": [item_json(item) for item in history.items],
        "events": [event_json(event) for event in history.events],
    }


def build_json(result: BuildResult) -> Json:
    body: Json = jsonable(asdict(result))
    body["seconds"] = round(result.seconds, 3)
    return body
