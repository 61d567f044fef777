"""The reminders' words: what is reminded, through which channel, what came of it.

Shared by the rules (pure, ``ctid.reminders.rules``), the daily queue (``ctid.reminders.queue`` and its
store), the worklist and the appointments, so that each part names a thing the same way. The values are
stored, so they never change once released; labels for people live in the web's translations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ctid.crm.models import ContactType


class ReminderType(StrEnum):
    """The built-in kinds of reminder (a custom rule is ``CUSTOM`` with a rule id of its own)."""

    INSURANCE = "insurance"  # 续保提醒, from the vehicle's insurance expiry
    INSPECTION = "inspection"  # 年审提醒, the entered due date or the inspection rule table
    MAINTENANCE = "maintenance"  # 定期保养 by time or mileage, whichever first; a new car's first service
    BIRTHDAY = "birthday"  # 生日关怀, solar or lunar
    VISIT_FOLLOW_UP = "visit_follow_up"  # 维修跟踪回访, N days after a closed visit
    LICENCE_REVIEW = "licence_review"  # 驾驶证审验
    WARRANTY = "warranty"  # 质保到期
    HOLIDAY = "holiday"  # 节日问候: 春节, 中秋, the site's own days
    NO_SHOW = "no_show"  # an appointment the customer missed
    CUSTOM = "custom"  # an admin's rule on any date field of a customer or vehicle


# Which opt-out (crm.models.ContactType) refuses which reminder: a customer who said "no insurance calls"
# gets no insurance reminder by any channel.
OPT_OUT_OF: dict[ReminderType, ContactType] = {
    ReminderType.INSURANCE: ContactType.INSURANCE,
    ReminderType.INSPECTION: ContactType.INSPECTION,
    ReminderType.MAINTENANCE: ContactType.MAINTENANCE,
    ReminderType.BIRTHDAY: ContactType.BIRTHDAY,
    ReminderType.VISIT_FOLLOW_UP: ContactType.FOLLOW_UP,
    ReminderType.LICENCE_REVIEW: ContactType.INSPECTION,
    ReminderType.WARRANTY: ContactType.MAINTENANCE,
    ReminderType.HOLIDAY: ContactType.MARKETING,
    ReminderType.NO_SHOW: ContactType.MAINTENANCE,
    ReminderType.CUSTOM: ContactType.MARKETING,
}


class Channel(StrEnum):
    """How a reminder reaches the customer."""

    PHONE = "phone"
    SMS = "sms"
    LETTER = "letter"
    EMAIL = "email"


class Outcome(StrEnum):
    """What came of working a reminder item (the worklist's choice, the dialer's result, a sent message)."""

    REACHED = "reached"  # spoken to, nothing booked
    BOOKED = "booked"  # an appointment was made
    DECLINED = "declined"  # does not want it (this time)
    WRONG_NUMBER = "wrong_number"
    NO_ANSWER = "no_answer"  # comes back by the type's retry rule
    CALL_BACK = "call_back"  # call again at a time given
    SENT = "sent"  # an SMS, letter or e-mail went out


class ItemStatus(StrEnum):
    """Where a reminder item is in its life."""

    OPEN = "open"  # on the worklist (today's or overdue)
    SNOOZED = "snoozed"  # off the list until ``snoozed_until``
    DONE = "done"  # an outcome closed it
    EXPIRED = "expired"  # nobody worked it before its type's expiry


@dataclass(frozen=True)
class Due:
    """One thing falling due for one customer, as the rules find it: the thing's own date (the insurance
    expiry, the birthday this year), not the day to contact. ``subject`` names the thing so that the same
    due date found again (a second build, a restart) is the same item: e.g. ``vehicle:12`` or
    ``customer:7`` or ``visit:88``."""

    type: ReminderType
    customer_id: int
    vehicle_id: int | None
    due_on: date
    subject: str
    rule_id: int | None = None  # a custom rule's id; None for the built-in types
