"""When a due date is worked: contact days, the step due on a day, expiry, retries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from ctid.reminders.models import ReminderType
from ctid.reminders.schedule import contact_days, expires_on, is_contact_day, next_try_on, step_on
from ctid.reminders.settings import DEFAULT_SETTINGS, MAX_LEAD_DAYS

INSURANCE = DEFAULT_SETTINGS[ReminderType.INSURANCE]  # 45, 30, 15; expires 30 days after


def test_the_insurance_steps_across_a_year_end() -> None:
    due = date(2027, 1, 10)  # an early January due date, seen in December
    assert contact_days(due, INSURANCE) == (date(2026, 11, 26), date(2026, 12, 11), date(2026, 12, 26))
    assert step_on(due, date(2026, 11, 25), INSURANCE) is None, "before the first contact day"
    assert step_on(due, date(2026, 11, 26), INSURANCE) == 0
    assert step_on(due, date(2026, 12, 10), INSURANCE) == 0
    assert step_on(due, date(2026, 12, 11), INSURANCE) == 1
    assert step_on(due, date(2026, 12, 31), INSURANCE) == 2
    assert step_on(due, date(2027, 2, 9), INSURANCE) == 2, "the last day before it expires"
    assert expires_on(due, INSURANCE) == date(2027, 2, 9)
    assert step_on(due, date(2027, 2, 10), INSURANCE) is None, "nothing after the expiry"
    assert is_contact_day(due, date(2026, 12, 11), INSURANCE)
    assert not is_contact_day(due, date(2026, 12, 12), INSURANCE)


def test_an_item_found_late_starts_at_the_latest_step_passed() -> None:
    due = date(2026, 3, 1)
    assert step_on(due, date(2026, 2, 10), INSURANCE) == 1, "T-19: past T-45 and T-30, not yet T-15"
    assert step_on(due, due, INSURANCE) == 2


def test_no_answer_comes_back_by_the_retry_rule_until_the_expiry() -> None:
    due = date(2026, 3, 1)
    assert next_try_on(date(2026, 1, 15), 1, due, INSURANCE) == date(2026, 1, 17)
    assert next_try_on(date(2026, 1, 15), 3, due, INSURANCE) is None, "tried three times"
    assert next_try_on(date(2026, 3, 30), 1, due, INSURANCE) is None, "after the expiry (31 March)"
    assert next_try_on(date(2026, 3, 29), 1, due, INSURANCE) == date(2026, 3, 31)


_DAYS = st.dates(date(1990, 1, 1), date(2090, 12, 31))
_LEADS = st.lists(st.integers(0, MAX_LEAD_DAYS), min_size=1, max_size=6, unique=True).map(
    lambda leads: tuple(sorted(leads, reverse=True))
)


@examples(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DAYS, _LEADS, st.integers(0, 400), st.integers(-800, 800))
def test_the_step_due_is_the_latest_contact_day_passed(
    due: date, leads: tuple[int, ...], expiry: int, offset: int
) -> None:
    settings = replace(INSURANCE, lead_days=leads, expire_after_days=expiry)
    days = contact_days(due, settings)
    assert all(day <= due for day in days), "never after the due date"
    assert list(days) == sorted(days)
    day = due + timedelta(days=offset)
    step = step_on(due, day, settings)
    if day > expires_on(due, settings) or day < days[0]:
        assert step is None
    else:
        assert step is not None and days[step] <= day
        assert step == len(days) - 1 or days[step + 1] > day
    assert is_contact_day(due, day, settings) == (day in days)
