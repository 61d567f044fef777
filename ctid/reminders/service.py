"""The reminders' services as the web, the CLI and the scheduler take them (``Services.reminders``)."""

from __future__ import annotations

from dataclasses import dataclass

from ctid.reminders.auto_send import AutoSend
from ctid.reminders.build import QueueBuilder
from ctid.reminders.day_before import DayBefore
from ctid.reminders.item_email import ItemEmails
from ctid.reminders.letter_service import LetterService
from ctid.reminders.settings_service import ReminderSettings
from ctid.reminders.worklist import Worklist


@dataclass(frozen=True)
class Reminders:
    worklist: Worklist
    """The items as people work them, and a customer's reminder history."""
    builder: QueueBuilder
    """The daily build (the scheduler's job, the command, the button)."""
    letters: LetterService
    """The day's letter items as letters to print, and marking them posted."""
    auto_send: AutoSend
    """The items of the types set to go by SMS by themselves, sent after the daily build."""
    day_before: DayBefore
    """The SMS the day before each booked appointment, sent with the daily job."""
    settings: ReminderSettings
    """The types' settings and the inspection rule table, as admins keep them."""
    emails: ItemEmails
    """An e-mail item sent by e-mail from the worklist."""
