"""The annual inspection by the rule table: a car registered in each of the last 16 years, seen on one day,
under the 2022 exemption and as a car it leaves out; an entered due date wins; the table reads back from
the JSON an admin edits."""

from __future__ import annotations

import json
from calendar import monthrange
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from ctid.core.errors import ValidationError
from ctid.crm.models import VehicleStatus
from ctid.reminders import rules
from ctid.reminders.inspection import (
    DEFAULT_INSPECTION_RULES,
    Inspection,
    InspectionKind,
    InspectionRule,
    InspectionScheme,
    inspection_rules_from_json,
    inspection_rules_to_json,
    next_inspection,
)
from ctid.reminders.models import ReminderType
from ctid.reminders.settings import DEFAULT_SETTINGS
from tests.reminders.support import vehicle_facts as vehicle

SETTINGS = DEFAULT_SETTINGS[ReminderType.INSPECTION]  # expires 30 days after the due date
TODAY = date(2026, 12, 7)  # so a due date from 7 November 2026 on is still worked
STICKER, ON_SITE = InspectionKind.STICKER, InspectionKind.ON_SITE

# registered on, the next inspection (exempt), its kind, the next one of a car the exemption leaves out
TABLE = [
    (date(2026, 1, 10), date(2028, 1, 31), STICKER, date(2028, 1, 31)),  # year 2
    (date(2025, 12, 20), date(2027, 12, 31), STICKER, date(2027, 12, 31)),  # year 2
    (date(2024, 11, 5), date(2026, 11, 30), STICKER, date(2026, 11, 30)),  # year 2, this month
    (date(2023, 10, 31), date(2027, 10, 31), STICKER, date(2027, 10, 31)),  # year 4
    (date(2022, 9, 30), date(2028, 9, 30), ON_SITE, date(2028, 9, 30)),  # year 4 passed: year 6
    (date(2021, 8, 15), date(2027, 8, 31), ON_SITE, date(2027, 8, 31)),  # year 6
    (date(2020, 7, 1), date(2028, 7, 31), STICKER, date(2027, 7, 31)),  # year 8 | year 7
    (date(2019, 6, 18), date(2027, 6, 30), STICKER, date(2027, 6, 30)),  # year 8 | year 8
    (date(2018, 5, 31), date(2028, 5, 31), ON_SITE, date(2027, 5, 31)),  # year 10 | year 9
    (date(2017, 4, 30), date(2027, 4, 30), ON_SITE, date(2027, 4, 30)),  # year 10
    (date(2016, 2, 29), date(2027, 2, 28), ON_SITE, date(2027, 2, 28)),  # year 11 (yearly after 10)
    (date(2015, 12, 31), date(2026, 12, 31), ON_SITE, date(2026, 12, 31)),  # year 11
    (date(2014, 11, 30), date(2026, 11, 30), ON_SITE, date(2026, 11, 30)),  # year 12
    (date(2013, 11, 1), date(2026, 11, 30), ON_SITE, date(2026, 11, 30)),  # year 13
    (date(2012, 10, 15), date(2027, 10, 31), ON_SITE, date(2027, 10, 31)),  # year 14 passed: year 15
    (date(2011, 6, 6), date(2027, 6, 30), ON_SITE, date(2026, 12, 31)),  # year 16 | half-yearly
]


def test_the_table_covers_each_of_the_last_16_years() -> None:
    assert sorted({registered.year for registered, *_ in TABLE}) == list(range(2011, 2027))


@pytest.mark.parametrize(("registered", "exempt", "kind", "excluded"), TABLE)
def test_a_car_registered_in_each_of_the_last_16_years(
    registered: date, exempt: date, kind: InspectionKind, excluded: date
) -> None:
    found = rules.inspection(vehicle(registration_date=registered), TODAY, SETTINGS)
    assert found is not None and found.due_on == exempt
    assert found.subject == "vehicle:12" and found.vehicle_id == 12 and found.customer_id == 7
    assert next_inspection(registered, False, date(2026, 11, 7)) == Inspection(exempt, kind)
    van = vehicle(registration_date=registered, inspection_exempt_excluded=True)
    found = rules.inspection(van, TODAY, SETTINGS)
    assert found is not None and found.due_on == excluded


def test_the_schedule_of_one_car_year_by_year() -> None:
    registered = date(2020, 5, 15)
    seen, day = [], registered
    while day.year < 2038:
        found = next_inspection(registered, False, day)
        assert found is not None
        seen.append((found.due_on.isoformat(), found.kind.value))
        day = found.due_on + timedelta(days=1)
    assert seen == [
        ("2022-05-31", "sticker"),
        ("2024-05-31", "sticker"),
        ("2026-05-31", "on_site"),
        ("2028-05-31", "sticker"),
        ("2030-05-31", "on_site"),
        ("2031-05-31", "on_site"),
        ("2032-05-31", "on_site"),
        ("2033-05-31", "on_site"),
        ("2034-05-31", "on_site"),
        ("2035-05-31", "on_site"),
        ("2036-05-31", "on_site"),
        ("2037-05-31", "on_site"),
        ("2038-05-31", "on_site"),
    ]


def test_an_entered_due_date_wins_while_it_is_not_expired() -> None:
    car = vehicle(registration_date=date(2021, 8, 15), inspection_due=date(2027, 1, 31))
    assert rules.inspection(car, TODAY, SETTINGS).due_on == date(2027, 1, 31)  # type: ignore[union-attr]
    stale = replace(car, inspection_due=date(2025, 8, 31))
    assert rules.inspection(stale, TODAY, SETTINGS).due_on == date(2027, 8, 31), "the table after it"  # type: ignore[union-attr]
    assert rules.inspection(vehicle(inspection_due=date(2025, 8, 31)), TODAY, SETTINGS) is None
    assert rules.inspection(vehicle(), TODAY, SETTINGS) is None
    assert rules.inspection(replace(car, status=VehicleStatus.SCRAPPED), TODAY, SETTINGS) is None


def test_an_admin_changes_the_table() -> None:
    data = inspection_rules_to_json(DEFAULT_INSPECTION_RULES)
    data[3]["every_months"] = 24  # years 10 to 15 every two years instead
    table = inspection_rules_from_json(json.loads(json.dumps(data)))
    assert next_inspection(date(2016, 2, 29), False, date(2026, 11, 7), table) == Inspection(
        date(2028, 2, 29), ON_SITE
    )
    assert next_inspection(date(2016, 2, 29), False, date(2026, 11, 7), ()) is None, "an empty table"
    ends = (InspectionRule(InspectionScheme.EXEMPT, 24, 48, 24, STICKER),)
    assert next_inspection(date(2016, 2, 29), False, date(2026, 11, 7), ends) is None, "past its last row"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"every_months": 0}, "rules[1].every_months"),
        ({"to_month": 10}, "rules[1].to_month"),  # before from_month
        ({"scheme": "vans"}, "rules[1].scheme"),
        ({"kind": "online"}, "rules[1].kind"),
        ({"from_month": "24"}, "rules[1].from_month"),
        ({"every": 12}, "rules[1].every"),
    ],
)
def test_a_bad_row_is_refused_naming_it(change: dict[str, Any], field: str) -> None:
    data = inspection_rules_to_json(DEFAULT_INSPECTION_RULES[:2])
    data[1].update(change)
    with pytest.raises(ValidationError) as raised:
        inspection_rules_from_json(data)
    assert raised.value.field == field
    with pytest.raises(ValidationError) as raised:
        inspection_rules_from_json({"rules": []})
    assert raised.value.field == "rules"


_RULES = st.builds(
    InspectionRule,
    scheme=st.sampled_from(InspectionScheme),
    from_month=st.integers(1, 240),
    to_month=st.none() | st.integers(240, 720),
    every_months=st.integers(1, 120),
    kind=st.sampled_from(InspectionKind),
)


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_RULES, max_size=8).map(tuple))
def test_any_table_reads_back_through_json(table: tuple[InspectionRule, ...]) -> None:
    assert inspection_rules_from_json(json.loads(json.dumps(inspection_rules_to_json(table)))) == table


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dates(date(1990, 1, 1), date(2040, 12, 31)),
    st.dates(date(1990, 1, 1), date(2060, 12, 31)),
    st.booleans(),
)
def test_the_next_inspection_is_a_month_end_on_or_after_the_day_asked(
    registered: date, since: date, excluded: bool
) -> None:
    found = next_inspection(registered, excluded, since)
    assert found is not None and found.due_on >= since
    assert found.due_on.day == monthrange(found.due_on.year, found.due_on.month)[1], "a month's last day"
    assert found.due_on.month == registered.month or (found.due_on.month - registered.month) % 6 == 0
    earlier = next_inspection(registered, excluded, found.due_on)
    assert earlier == found, "asked on its own due date, the same one"
