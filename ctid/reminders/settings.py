"""Each reminder type's settings: whether it runs, when to contact (lead days before the due date), how,
who works it, when an unworked item expires, and the type's own parameters.

The queue stores one JSON object per type and admins edit it, so ``settings_from_json`` reads a partial
object over the type's defaults (a stored object from an older version lacks the newer keys) and refuses
anything else with the field named. docs/reminders.md has the defaults and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from ctid.core.errors import N_, ValidationError
from ctid.reminders import json_fields as read
from ctid.reminders.models import Channel, ReminderType

MAX_LEAD_DAYS = 366
MAX_STEPS = 6
MAX_DAYS = 3660  # ten years: the longest expiry, window or retry that means something
MAX_KM = 100_000
MAX_MONTHS = 120
MAX_HOLIDAYS = 50
TEMPLATE_KEY_LIMIT = 64
HOLIDAY_NAME_LIMIT = 32
MAX_ID = 2_147_483_647  # a record id: PostgreSQL's integer, as forms.MAX_ID


class AssigneeRule(StrEnum):
    """Who works a type's items on the worklist."""

    CUSTOMER_USER = "customer_user"  # the user the customer is assigned to
    VEHICLE_ADVISOR = "vehicle_advisor"  # the advisor of the vehicle's last visit
    FIXED_USER = "fixed_user"  # one named user (``assignee_user_id``), e.g. the insurance renewals clerk
    POOL = "pool"  # nobody: anyone with the permission takes it from the shared pool


class Calendar(StrEnum):
    SOLAR = "solar"
    LUNAR = "lunar"


@dataclass(frozen=True)
class Holiday:
    """A day greeted every year: a solar month-day (国庆 10-01) or a lunar one (中秋 8-15)."""

    name: str
    calendar: Calendar
    month: int
    day: int


@dataclass(frozen=True)
class TypeSettings:
    """One reminder type's settings. ``lead_days`` are largest first: (45, 30, 15) contacts 45, 30 and 15
    days before the due date, each a step of the same item. The parameters after ``auto_send_sms`` belong
    to one type each (``TYPE_FIELDS``) and keep their defaults elsewhere."""

    type: ReminderType
    enabled: bool = True
    lead_days: tuple[int, ...] = (0,)
    channel: Channel = Channel.PHONE
    expire_after_days: int = 14  # an item not worked by due date + this expires
    retry_after_days: int = 2  # "no answer" comes back this many days later ...
    retry_max_tries: int = 3  # ... until it was tried this often at one step
    contacted_window_days: int = 0  # skip when contacted about the same type within these days
    assignee: AssigneeRule = AssigneeRule.POOL
    assignee_user_id: int | None = None  # for FIXED_USER
    templates: Mapping[Channel, str] = field(default_factory=lambda: MappingProxyType({}))
    auto_send_sms: bool = False  # sent by itself on the contact day (the outbox), not put on a worklist
    # VISIT_FOLLOW_UP: the call this many days after a visit closed
    follow_up_after_days: int = 3
    # MAINTENANCE: the service interval, a new car's first service, and how much mileage history makes
    # a projection by km
    interval_months: int = 6
    interval_km: int = 5000
    first_service_months: int = 3
    first_service_km: int = 3000
    min_history_days: int = 30
    # HOLIDAY: the days greeted
    holidays: tuple[Holiday, ...] = ()

    def template(self, channel: Channel) -> str | None:
        return self.templates.get(channel)


COMMON_FIELDS = (
    "type",
    "enabled",
    "lead_days",
    "channel",
    "expire_after_days",
    "retry_after_days",
    "retry_max_tries",
    "contacted_window_days",
    "assignee",
    "assignee_user_id",
    "templates",
    "auto_send_sms",
)
TYPE_FIELDS: Mapping[ReminderType, tuple[str, ...]] = MappingProxyType(
    {
        ReminderType.VISIT_FOLLOW_UP: ("follow_up_after_days",),
        ReminderType.MAINTENANCE: (
            "interval_months",
            "interval_km",
            "first_service_months",
            "first_service_km",
            "min_history_days",
        ),
        ReminderType.HOLIDAY: ("holidays",),
    }
)

# 元旦, 春节, 端午, 中秋, 国庆: the greetings a Chinese dealer sends; a site edits the list.
DEFAULT_HOLIDAYS = (
    Holiday("元旦", Calendar.SOLAR, 1, 1),
    Holiday("春节", Calendar.LUNAR, 1, 1),
    Holiday("端午", Calendar.LUNAR, 5, 5),
    Holiday("中秋", Calendar.LUNAR, 8, 15),
    Holiday("国庆", Calendar.SOLAR, 10, 1),
)


def _templates(**keys: str) -> Mapping[Channel, str]:
    return MappingProxyType({Channel(name): key for name, key in keys.items()})


_T = ReminderType
_V = AssigneeRule.VEHICLE_ADVISOR
_C = AssigneeRule.CUSTOMER_USER
# The defaults and why: docs/reminders.md (keep the two together).
DEFAULT_SETTINGS: Mapping[ReminderType, TypeSettings] = MappingProxyType(
    {
        _T.INSURANCE: TypeSettings(
            _T.INSURANCE,
            lead_days=(45, 30, 15),
            expire_after_days=30,
            contacted_window_days=15,
            templates=_templates(sms="insurance"),
        ),
        _T.INSPECTION: TypeSettings(
            _T.INSPECTION,
            lead_days=(30, 10),
            expire_after_days=30,
            contacted_window_days=15,
            assignee=_V,
            templates=_templates(sms="inspection"),
        ),
        _T.MAINTENANCE: TypeSettings(
            _T.MAINTENANCE,
            lead_days=(14, 3),
            expire_after_days=30,
            contacted_window_days=15,
            assignee=_V,
            templates=_templates(sms="maintenance"),
        ),
        _T.BIRTHDAY: TypeSettings(
            _T.BIRTHDAY,
            lead_days=(0,),
            channel=Channel.SMS,
            expire_after_days=3,
            retry_max_tries=1,
            assignee=_C,
            templates=_templates(sms="birthday"),
        ),
        _T.VISIT_FOLLOW_UP: TypeSettings(
            _T.VISIT_FOLLOW_UP, lead_days=(0,), expire_after_days=7, retry_after_days=1, assignee=_V
        ),
        _T.LICENCE_REVIEW: TypeSettings(
            _T.LICENCE_REVIEW,
            lead_days=(90, 30),
            channel=Channel.SMS,
            expire_after_days=30,
            retry_max_tries=1,
            contacted_window_days=30,
            assignee=_C,
            templates=_templates(sms="licence_review"),
        ),
        _T.WARRANTY: TypeSettings(
            _T.WARRANTY,
            lead_days=(60, 30),
            expire_after_days=15,
            contacted_window_days=15,
            assignee=_V,
            templates=_templates(sms="warranty"),
        ),
        _T.HOLIDAY: TypeSettings(
            _T.HOLIDAY,
            enabled=False,
            lead_days=(1,),
            channel=Channel.SMS,
            expire_after_days=1,
            retry_max_tries=1,
            templates=_templates(sms="holiday"),
            holidays=DEFAULT_HOLIDAYS,
        ),
        _T.NO_SHOW: TypeSettings(
            _T.NO_SHOW, lead_days=(0,), expire_after_days=7, retry_after_days=1, assignee=_V
        ),
        _T.CUSTOM: TypeSettings(_T.CUSTOM, lead_days=(7,), expire_after_days=14),
    }
)


def settings_to_json(settings: TypeSettings) -> dict[str, Any]:
    """The settings as the JSON object ``settings_from_json`` reads back: the common keys and the
    type's own."""
    out: dict[str, Any] = {
        "type": settings.type.value,
        "enabled": settings.enabled,
        "lead_days": list(settings.lead_days),
        "channel": settings.channel.value,
        "expire_after_days": settings.expire_after_days,
        "retry_after_days": settings.retry_after_days,
        "retry_max_tries": settings.retry_max_tries,
        "contacted_window_days": settings.contacted_window_days,
        "assignee": settings.assignee.value,
        "assignee_user_id": settings.assignee_user_id,
        "templates": {channel.value: key for channel, key in sorted(settings.templates.items())},
        "auto_send_sms": settings.auto_send_sms,
    }
    for name in TYPE_FIELDS.get(settings.type, ()):
        value = getattr(settings, name)
        out[name] = [holiday_to_json(h) for h in value] if name == "holidays" else value
    return out


def settings_from_json(data: Any) -> TypeSettings:
    """Settings from a JSON object with ``type`` and any of its keys; the keys left out keep the type's
    defaults. Raises ValidationError naming the field for a key the type does not have or a bad value."""
    data = read.an_object(data, "settings")
    type_ = read.a_choice(data.get("type"), "type", ReminderType)
    read.only_known(data, COMMON_FIELDS + TYPE_FIELDS.get(type_, ()))
    base = DEFAULT_SETTINGS[type_]
    values = {name: _READERS[name](data[name], name) for name in data if name != "type"}
    settings = replace(base, **values)
    if settings.assignee == AssigneeRule.FIXED_USER and settings.assignee_user_id is None:
        raise ValidationError("assignee_user_id", N_("Name the user who works these reminders."))
    return settings


def holiday_to_json(holiday: Holiday) -> dict[str, Any]:
    return {
        "name": holiday.name,
        "calendar": holiday.calendar.value,
        "month": holiday.month,
        "day": holiday.day,
    }


def holiday_from_json(data: Any, name: str) -> Holiday:
    data = read.an_object(data, name)
    read.only_known(data, ("name", "calendar", "month", "day"), name + ".")
    for key in ("name", "calendar", "month", "day"):
        if key not in data:
            raise ValidationError(f"{name}.{key}", N_("%(field)s is required."), field=f"{name}.{key}")
    calendar = read.a_choice(data["calendar"], f"{name}.calendar", Calendar)
    month = read.an_int(data["month"], f"{name}.month", 1, 12)
    # a lunar month has 29 or 30 days; a solar month-day must exist in a leap year (29 February does)
    last = 30 if calendar == Calendar.LUNAR else _SOLAR_MONTH_DAYS[month - 1]
    day = read.an_int(data["day"], f"{name}.day", 1, last)
    return Holiday(read.a_text(data["name"], f"{name}.name", HOLIDAY_NAME_LIMIT), calendar, month, day)


_SOLAR_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _templates_from_json(value: Any, name: str) -> Mapping[Channel, str]:
    data = read.an_object(value, name)
    found: dict[Channel, str] = {}
    for key in sorted(data):
        channel = read.a_choice(key, name, Channel)
        if data[key] is not None:
            found[channel] = read.a_text(data[key], f"{name}.{key}", TEMPLATE_KEY_LIMIT)
    return MappingProxyType(found)


def _holidays_from_json(value: Any, name: str) -> tuple[Holiday, ...]:
    items = read.a_list(value, name, MAX_HOLIDAYS)
    return tuple(holiday_from_json(item, f"{name}[{i}]") for i, item in enumerate(items))


def _days(high: int) -> Any:
    return lambda value, name: read.an_int(value, name, 0, high)


def _positive(high: int) -> Any:
    return lambda value, name: read.an_int(value, name, 1, high)


_READERS: Mapping[str, Any] = MappingProxyType(
    {
        "enabled": read.a_bool,
        "lead_days": lambda value, name: read.days_list(value, name, MAX_LEAD_DAYS, MAX_STEPS),
        "channel": lambda value, name: read.a_choice(value, name, Channel),
        "expire_after_days": _days(MAX_DAYS),
        "retry_after_days": _positive(MAX_DAYS),
        "retry_max_tries": _positive(10),
        "contacted_window_days": _days(MAX_DAYS),
        "assignee": lambda value, name: read.a_choice(value, name, AssigneeRule),
        "assignee_user_id": lambda value, name: read.an_optional_int(value, name, 1, MAX_ID),
        "templates": _templates_from_json,
        "auto_send_sms": read.a_bool,
        "follow_up_after_days": _days(MAX_LEAD_DAYS),
        "interval_months": _positive(MAX_MONTHS),
        "interval_km": _positive(MAX_KM),
        "first_service_months": _positive(MAX_MONTHS),
        "first_service_km": _positive(MAX_KM),
        "min_history_days": _positive(MAX_DAYS),
        "holidays": _holidays_from_json,
    }
)
assert set(_READERS) | {"type"} == {f.name for f in fields(TypeSettings)}, "a setting without a reader"
