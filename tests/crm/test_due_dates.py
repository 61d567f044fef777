"""The reminder rules, tested directly: they are a pure function of the card's data and today."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from ctid.crm.due_dates import (
    BIRTHDAY_HORIZON_DAYS,
    VEHICLE_HORIZON_DAYS,
    DueMark,
    birthday_mark,
    call_about,
    due_mark,
    due_reminders,
    next_birthday,
)
from ctid.crm.models import ContactType, DueReminder, ReminderKind, Vehicle, VehicleRole, VehicleStatus

TODAY = date(2026, 3, 22)
dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31))


def car(
    plate: str = "粤A12345",
    insurance: date | None = None,
    inspection: date | None = None,
    service: date | None = None,
    status: VehicleStatus = VehicleStatus.ACTIVE,
) -> Vehicle:
    return Vehicle(
        1,
        plate,
        None,
        "大众",
        "朗逸",
        "白色",
        (VehicleRole.OWNER,),
        status,
        None,
        insurance,
        inspection,
        service,
    )


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def test_vehicle_dates_within_30_days_or_overdue_are_due() -> None:
    reminders = due_reminders([car(insurance=days(30), inspection=days(31), service=days(-400))], None, TODAY)
    assert reminders == (
        DueReminder(ReminderKind.MAINTENANCE, days(-400), "粤A12345"),
        DueReminder(ReminderKind.INSURANCE, days(30), "粤A12345"),
    )


def test_a_date_due_today_is_due() -> None:
    assert due_reminders([car(inspection=TODAY)], None, TODAY) == (
        DueReminder(ReminderKind.INSPECTION, TODAY, "粤A12345"),
    )


def test_sold_and_scrapped_cars_are_not_reminded() -> None:
    for status in (VehicleStatus.SOLD, VehicleStatus.SCRAPPED):
        assert due_reminders([car(insurance=days(1), status=status)], None, TODAY) == ()


def test_no_dates_no_reminders() -> None:
    assert due_reminders([car()], None, TODAY) == ()


def test_birthday_within_7_days_today_included() -> None:
    assert due_reminders([], date(1980, 3, 22), TODAY) == (DueReminder(ReminderKind.BIRTHDAY, TODAY, None),)
    assert due_reminders([], date(1980, 3, 29), TODAY) == (DueReminder(ReminderKind.BIRTHDAY, days(7), None),)
    assert due_reminders([], date(1980, 3, 30), TODAY) == ()
    assert due_reminders([], date(1980, 3, 21), TODAY) == ()  # yesterday: next one is a year away


def test_birthday_across_the_new_year() -> None:
    assert due_reminders([], date(1990, 1, 2), date(2026, 12, 28)) == (
        DueReminder(ReminderKind.BIRTHDAY, date(2027, 1, 2), None),
    )


def test_born_on_29_february() -> None:
    assert next_birthday(date(1992, 2, 29), date(2027, 2, 20)) == date(2027, 2, 28)
    assert next_birthday(date(1992, 2, 29), date(2028, 2, 20)) == date(2028, 2, 29)
    assert next_birthday(date(1992, 2, 29), date(2027, 3, 1)) == date(2028, 2, 29)


def test_soonest_first_across_cars_and_kinds() -> None:
    cars = [
        car("粤B00001", insurance=days(5), service=days(5)),
        car("粤A00002", insurance=days(5), inspection=days(-1)),
    ]
    reminders = due_reminders(cars, date(1980, 3, 24), TODAY)
    assert [(r.kind, (r.due_on - TODAY).days, r.plate) for r in reminders] == [
        (ReminderKind.INSPECTION, -1, "粤A00002"),
        (ReminderKind.BIRTHDAY, 2, None),
        (ReminderKind.INSURANCE, 5, "粤A00002"),
        (ReminderKind.INSURANCE, 5, "粤B00001"),
        (ReminderKind.MAINTENANCE, 5, "粤B00001"),
    ]


@given(
    today=dates,
    insurance=st.none() | dates,
    inspection=st.none() | dates,
    service=st.none() | dates,
    status=st.sampled_from(VehicleStatus),
)
def test_a_vehicle_date_is_due_exactly_when_active_and_not_beyond_the_horizon(
    today: date, insurance: date | None, inspection: date | None, service: date | None, status: VehicleStatus
) -> None:
    reminders = due_reminders(
        [car(insurance=insurance, inspection=inspection, service=service, status=status)], None, today
    )
    expected = {
        (kind, due)
        for kind, due in ((ReminderKind.INSURANCE, insurance), (ReminderKind.INSPECTION, inspection),
                          (ReminderKind.MAINTENANCE, service))
        if due is not None and status == VehicleStatus.ACTIVE and (due - today).days <= VEHICLE_HORIZON_DAYS
    }  # fmt: skip
    assert {(r.kind, r.due_on) for r in reminders} == expected
    assert [r.due_on for r in reminders] == sorted(r.due_on for r in reminders)


@given(birthday=dates, today=dates)
def test_the_next_birthday_is_the_first_anniversary_from_today(birthday: date, today: date) -> None:
    upcoming = next_birthday(birthday, today)
    assert today <= upcoming < today + timedelta(days=367)
    assert upcoming.month == birthday.month
    assert upcoming.day == birthday.day or (birthday.day, upcoming.day) == (29, 28)
    reminders = due_reminders([], birthday, today)
    due = (upcoming - today).days <= BIRTHDAY_HORIZON_DAYS
    assert reminders == ((DueReminder(ReminderKind.BIRTHDAY, upcoming, None),) if due else ())


def test_a_due_date_is_marked_overdue_today_or_soon_by_the_cards_rule() -> None:
    day = timedelta(days=1)
    assert due_mark(TODAY - 3 * day, TODAY) == DueMark("overdue", 3)
    assert due_mark(TODAY, TODAY) == DueMark("today", 0)
    assert due_mark(TODAY + day, TODAY) == DueMark("soon", 1)
    assert due_mark(TODAY + VEHICLE_HORIZON_DAYS * day, TODAY) == DueMark("soon", VEHICLE_HORIZON_DAYS)
    assert due_mark(TODAY + (VEHICLE_HORIZON_DAYS + 1) * day, TODAY) is None
    assert due_mark(None, TODAY) is None


@given(dates, dates)
def test_a_marked_vehicle_date_is_one_the_card_reminds_of(due: date, today: date) -> None:
    mark = due_mark(due, today)
    reminded = due_reminders([car(insurance=due)], None, today)
    assert (mark is not None) == bool(reminded)
    if mark is not None:
        assert mark.days == abs((due - today).days)


@given(dates, dates)
def test_a_birthday_is_never_overdue_and_marked_as_the_card_reminds(born: date, today: date) -> None:
    mark = birthday_mark(born, today)
    assert mark is None or mark.state != "overdue"
    assert (mark is not None) == bool(due_reminders([], born, today))


def test_a_lunar_birthday_on_the_card_is_this_years_lunar_day() -> None:
    born = date(1990, 10, 3)  # 中秋 1990, lunar 8/15; 中秋 2026 is 25 September
    assert birthday_mark(born, date(2026, 9, 20), lunar=True) == DueMark("soon", 5)
    assert birthday_mark(born, date(2026, 9, 20)) is None, "the solar one is on 3 October"
    assert due_reminders([], born, date(2026, 9, 20), lunar=True) == (
        DueReminder(ReminderKind.BIRTHDAY, date(2026, 9, 25), None),
    )
    assert due_reminders([], date(1899, 10, 3), date(2026, 9, 20), lunar=True) == (), "before the tables"


def test_what_a_call_from_the_card_is_about() -> None:
    """The soonest due reminder's contact type (a dial checks it against the opt-outs); nothing due: none."""
    assert call_about(due_reminders([car(insurance=days(20), service=days(3))], None, TODAY)) == (
        ContactType.MAINTENANCE
    )
    assert call_about(due_reminders([], date(1980, 3, 22), TODAY)) == ContactType.BIRTHDAY
    assert call_about(()) is None
