"""The rules on edge dates: 29 February, lunar leap months and day 30, year ends; the site date is what
the caller passes (nothing here reads a clock)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest

from ctid.core.errors import ValidationError
from ctid.crm.models import VehicleStatus
from ctid.reminders import rules
from ctid.reminders.custom import (
    CustomRule,
    custom_rule_from_json,
    custom_rule_to_json,
    custom_rules_from_json,
    custom_rules_to_json,
)
from ctid.reminders.facts import ClosedVisit, CustomerFacts
from ctid.reminders.models import Due, ReminderType
from ctid.reminders.settings import DEFAULT_SETTINGS, Calendar, Holiday
from tests.reminders.support import vehicle_facts as vehicle

T = ReminderType
S = DEFAULT_SETTINGS


def customer(birthday: date | None = None, lunar: bool = False, licence: date | None = None) -> CustomerFacts:
    return CustomerFacts(
        id=7, branch_id=1, birthday=birthday, birthday_lunar=lunar, licence_review_on=licence
    )


def test_insurance_is_its_expiry_and_comes_round_yearly_once_expired() -> None:
    car = vehicle(insurance_expiry=date(2027, 1, 10))
    today = date(2026, 12, 7)
    assert rules.insurance(car, today, S[T.INSURANCE]) == Due(
        T.INSURANCE, 7, 12, date(2027, 1, 10), "vehicle:12"
    )
    stale = vehicle(insurance_expiry=date(2024, 2, 29))  # never updated: the policy ran out twice since
    found = rules.insurance(stale, today, S[T.INSURANCE])
    assert found is not None and found.due_on == date(2027, 2, 28), "29 February on the 28th"
    still = vehicle(insurance_expiry=date(2026, 11, 20))  # 17 days past, within the 30 days' expiry
    assert rules.insurance(still, today, S[T.INSURANCE]).due_on == date(2026, 11, 20)  # type: ignore[union-attr]
    assert rules.insurance(vehicle(insurance_expiry=date(2026, 11, 6)), today, S[T.INSURANCE]).due_on == date(  # type: ignore[union-attr]
        2027, 11, 6
    ), "31 days past: next year's"


@pytest.mark.parametrize("status", [VehicleStatus.SOLD, VehicleStatus.SCRAPPED])
def test_sold_and_scrapped_vehicles_are_not_reminded(status: VehicleStatus) -> None:
    car = vehicle(status=status, insurance_expiry=date(2027, 1, 10), warranty_expiry=date(2027, 1, 10))
    assert rules.insurance(car, date(2026, 12, 7), S[T.INSURANCE]) is None
    assert rules.warranty(car, date(2026, 12, 7), S[T.WARRANTY]) is None


def test_warranty_and_licence_review_are_once() -> None:
    today = date(2026, 12, 7)
    car = vehicle(warranty_expiry=date(2027, 2, 1))
    assert rules.warranty(car, today, S[T.WARRANTY]) == Due(T.WARRANTY, 7, 12, date(2027, 2, 1), "vehicle:12")
    assert rules.warranty(vehicle(warranty_expiry=date(2026, 11, 21)), today, S[T.WARRANTY]) is None, (
        "expired"
    )
    assert rules.warranty(vehicle(warranty_expiry=date(2026, 11, 22)), today, S[T.WARRANTY]) is not None
    assert rules.warranty(vehicle(), today, S[T.WARRANTY]) is None
    who = customer(licence=date(2027, 3, 7))
    assert rules.licence_review(who, today, S[T.LICENCE_REVIEW]) == Due(
        T.LICENCE_REVIEW, 7, None, date(2027, 3, 7), "customer:7"
    )
    assert rules.licence_review(customer(licence=date(2026, 11, 6)), today, S[T.LICENCE_REVIEW]) is None
    assert rules.licence_review(customer(), today, S[T.LICENCE_REVIEW]) is None


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 2, 1), date(2027, 2, 28)),  # a common year: the 28th
        (date(2028, 2, 1), date(2028, 2, 29)),  # a leap year: the day itself
        (date(2027, 3, 2), date(2027, 2, 28)),  # within the 3 days' expiry: still this year's
        (date(2027, 3, 4), date(2028, 2, 29)),  # expired: next year's, a leap year
        (date(2100, 1, 1), date(2100, 2, 28)),  # 2100 is not a leap year
    ],
)
def test_a_29_february_birthday(today: date, expected: date) -> None:
    found = rules.birthday(customer(date(1996, 2, 29)), today, S[T.BIRTHDAY])
    assert found == Due(T.BIRTHDAY, 7, None, expected, "customer:7")


def test_a_birthday_at_the_year_end_seen_in_december() -> None:
    settings = replace(S[T.BIRTHDAY], lead_days=(14,))
    found = rules.birthday(customer(date(1980, 1, 3)), date(2026, 12, 20), settings)
    assert found is not None and found.due_on == date(2027, 1, 3)
    found = rules.birthday(customer(date(1980, 12, 31)), date(2027, 1, 2), settings)
    assert found is not None and found.due_on == date(2026, 12, 31), "two days late, within the expiry"


@pytest.mark.parametrize(
    ("born", "today", "expected"),
    [
        # 中秋 1990 (lunar 8/15): 中秋 each year
        (date(1990, 10, 3), date(2026, 1, 1), date(2026, 9, 25)),
        (date(1990, 10, 3), date(2026, 9, 29), date(2027, 9, 15)),
        # born in the leap 2nd month of 2023 (闰二月初一, 22 March 2023): the ordinary 二月初一
        (date(2023, 3, 22), date(2024, 1, 1), date(2024, 3, 10)),
        # ... also in its birth year: 2023's ordinary 二月初一 (20 February) had expired by the birth day,
        # so the next is 2024's, not the leap month's day again
        (date(2023, 3, 22), date(2023, 3, 22), date(2024, 3, 10)),
        # born in the ordinary 二月 of 2023 (20 February): 2023's leap 二月 is not a second birthday
        (date(2023, 2, 20), date(2023, 3, 1), date(2024, 3, 10)),
        # born on lunar 12/30 (腊月三十, 除夕 of 2021: 11 February 2021); lunar 2021's 腊月 has 29 days:
        # the 29th, 除夕 of 2022 (31 January, a year end crossed: seen on 1 December 2021)
        (date(2021, 2, 11), date(2021, 12, 1), date(2022, 1, 31)),
        (date(2021, 2, 11), date(2022, 12, 1), date(2023, 1, 21)),  # lunar 2022's 腊月 has 30 days
        (date(2024, 2, 9), date(2024, 12, 20), date(2025, 1, 28)),  # 腊月三十 2023 -> 廿九 in 2024
    ],
)
def test_lunar_birthdays(born: date, today: date, expected: date) -> None:
    found = rules.birthday(customer(born, lunar=True), today, S[T.BIRTHDAY])
    assert found is not None and found.due_on == expected


def test_a_lunar_birth_date_the_calendar_does_not_cover_has_none() -> None:
    assert rules.birthday(customer(date(1899, 5, 1), lunar=True), date(2026, 1, 1), S[T.BIRTHDAY]) is None
    assert rules.birthday(customer(date(1899, 5, 1)), date(2026, 1, 1), S[T.BIRTHDAY]) is not None, "solar"


def test_the_follow_up_call_after_a_closed_visit() -> None:
    settings = S[T.VISIT_FOLLOW_UP]  # 3 days after, expiring 7 days after that
    visit = ClosedVisit(id=88, customer_id=7, vehicle_id=12, branch_id=1, closed_on=date(2026, 12, 29))
    assert rules.visit_follow_up(visit, date(2026, 12, 29), settings) == Due(
        T.VISIT_FOLLOW_UP, 7, 12, date(2027, 1, 1), "visit:88"
    )
    assert rules.visit_follow_up(visit, date(2027, 1, 8), settings) is not None
    assert rules.visit_follow_up(visit, date(2027, 1, 9), settings) is None, "expired"
    later = replace(settings, follow_up_after_days=10)
    assert rules.visit_follow_up(visit, date(2026, 12, 29), later).due_on == date(2027, 1, 8)  # type: ignore[union-attr]


def test_holidays_on_their_solar_and_lunar_days() -> None:
    settings = S[T.HOLIDAY]  # expires a day after
    found = rules.holiday_dates(date(2026, 12, 7), settings)
    assert [(h.name, day) for h, day in found] == [
        ("元旦", date(2027, 1, 1)),
        ("春节", date(2027, 2, 6)),
        ("端午", date(2027, 6, 9)),
        ("中秋", date(2027, 9, 15)),
        ("国庆", date(2027, 10, 1)),
    ]
    on_the_day = rules.holiday_dates(date(2026, 9, 26), settings)  # 中秋 2026 was yesterday
    assert on_the_day[0][1] == date(2026, 9, 25) and on_the_day[1][1] == date(2026, 10, 1)
    own = replace(
        settings, holidays=(Holiday("店庆", Calendar.SOLAR, 2, 29), Holiday("除夕", Calendar.LUNAR, 12, 30))
    )
    assert [day for _, day in rules.holiday_dates(date(2026, 12, 7), own)] == [
        date(2027, 2, 5),
        date(2027, 2, 28),
    ]
    dues = rules.holidays(customer(), date(2026, 12, 7), own)
    assert dues[0] == Due(T.HOLIDAY, 7, None, date(2027, 2, 5), "customer:7:holiday:lunar-12-30")
    assert dues[1].subject == "customer:7:holiday:solar-02-29"


def test_custom_rules_once_or_yearly() -> None:
    settings = S[T.CUSTOM]  # expires 14 days after
    car = vehicle(purchase_date=date(2020, 2, 29))
    anniversary = CustomRule(3, "购车周年", "vehicle.purchase_date", (7,), yearly=True)
    assert rules.custom(anniversary, car, date(2026, 12, 7), settings) == Due(
        T.CUSTOM, 7, 12, date(2027, 2, 28), "vehicle:12", 3
    )
    once = CustomRule(4, "质保回访", "vehicle.warranty_expiry", (30,))
    assert (
        rules.custom(once, vehicle(warranty_expiry=date(2026, 11, 23)), date(2026, 12, 7), settings)
        is not None
    )
    assert (
        rules.custom(once, vehicle(warranty_expiry=date(2026, 11, 22)), date(2026, 12, 7), settings) is None
    )
    assert rules.custom(once, vehicle(), date(2026, 12, 7), settings) is None
    of_customer = CustomRule(5, "驾照", "customer.licence_review_on", (14,))
    found = rules.custom(of_customer, customer(licence=date(2027, 1, 1)), date(2026, 12, 7), settings)
    assert found == Due(T.CUSTOM, 7, None, date(2027, 1, 1), "customer:7", 5)
    assert of_customer.settings(settings).lead_days == (14,)
    with pytest.raises(TypeError):
        rules.custom(of_customer, car, date(2026, 12, 7), settings)


def test_every_due_of_a_vehicle_and_a_customer_of_the_types_switched_on() -> None:
    car = vehicle(
        insurance_expiry=date(2027, 1, 10),
        warranty_expiry=date(2027, 2, 1),
        registration_date=date(2021, 8, 15),
        last_service_on=date(2026, 7, 1),
    )
    today = date(2026, 12, 7)
    assert {d.type: d.due_on for d in rules.vehicle_dues(car, today, S)} == {
        T.INSURANCE: date(2027, 1, 10),
        T.MAINTENANCE: date(2027, 1, 1),
        T.WARRANTY: date(2027, 2, 1),
        T.INSPECTION: date(2027, 8, 31),
    }
    off = {**S, T.INSURANCE: replace(S[T.INSURANCE], enabled=False)}
    assert T.INSURANCE not in {d.type for d in rules.vehicle_dues(car, today, off)}
    who = customer(date(1990, 12, 20), licence=date(2027, 2, 1))
    assert {d.type: d.due_on for d in rules.customer_dues(who, today, S)} == {
        T.BIRTHDAY: date(2026, 12, 20),
        T.LICENCE_REVIEW: date(2027, 2, 1),
    }


def test_custom_rules_read_back_from_json_and_name_a_bad_field() -> None:
    rules_ = (
        CustomRule(3, "购车周年", "vehicle.purchase_date", (7,), yearly=True),
        CustomRule(4, "质保回访", "vehicle.warranty_expiry", (60, 30), enabled=False),
    )
    assert custom_rules_from_json(json.loads(json.dumps(custom_rules_to_json(rules_)))) == rules_
    bad = custom_rules_to_json(rules_)
    bad[1]["field"] = "vehicle.plate"
    with pytest.raises(ValidationError) as raised:
        custom_rules_from_json(bad)
    assert raised.value.field == "rules[1].field"
    with pytest.raises(ValidationError) as raised:
        custom_rules_from_json([custom_rule_to_json(rules_[0])] * 2)
    assert raised.value.field == "rules"
    with pytest.raises(ValidationError) as raised:
        custom_rule_from_json({"id": 1, "name": "x", "field": "customer.birthday"})
    assert raised.value.field == "lead_days"
