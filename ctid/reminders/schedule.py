"""When a due date is worked: its contact days (one per lead day, a step each), the step due on a day,
when it expires, when "no answer" comes back.

The daily queue calls these for every candidate (some 100,000 a day at a large site), so they are plain
arithmetic on dates: no lookups, no allocation beyond the answer.
"""

from __future__ import annotations

from datetime import date, timedelta

from ctid.reminders.settings import TypeSettings


def contact_days(due_on: date, settings: TypeSettings) -> tuple[date, ...]:
    """The days to contact about ``due_on``, earliest first (``lead_days`` are largest first); never
    after the due date."""
    return tuple(due_on - timedelta(days=lead) for lead in settings.lead_days)


def expires_on(due_on: date, settings: TypeSettings) -> date:
    """The last day an item about ``due_on`` is worked: ``expire_after_days`` after the due date (the
    last contact day is on or before it)."""
    return due_on + timedelta(days=settings.expire_after_days)


def step_on(due_on: date, day: date, settings: TypeSettings) -> int | None:
    """The step (index into ``lead_days``) due on ``day``: the latest contact day on or before it, so an
    item found late (the vehicle entered last week) starts at the step it would have reached. None
    before the first contact day and after the expiry."""
    before = (due_on - day).days  # how many days before the due date ``day`` is
    if before < -settings.expire_after_days:
        return None
    step = None
    for index, lead in enumerate(settings.lead_days):
        if lead < before:
            break
        step = index
    return step


def is_contact_day(due_on: date, day: date, settings: TypeSettings) -> bool:
    """Whether ``day`` is one of the contact days itself (a new step starts on it)."""
    return (due_on - day).days in settings.lead_days


def next_try_on(last_try_on: date, tries: int, due_on: date, settings: TypeSettings) -> date | None:
    """When an item left at "no answer" after ``tries`` tries at its step comes back: ``retry_after_days``
    later, unless it was tried ``retry_max_tries`` times or that day is after the expiry (None)."""
    if tries >= settings.retry_max_tries:
        return None
    again = last_try_on + timedelta(days=settings.retry_after_days)
    return again if again <= expires_on(due_on, settings) else None


def preset_sends_on(due_on: date, day: date, lead_days: int | None) -> bool:
    """Whether a preset sent by itself (the SMS templates page's switch) sends an open item about
    ``due_on`` on ``day``: once the due date is within the preset's lead days (``due_on - day <=
    lead_days``), so an insurance item on the list from T-45 waits for a 30-day preset until T-30. A
    preset without lead days sends on the item's contact day, as the type's own settings do."""
    return lead_days is None or (due_on - day).days <= lead_days
