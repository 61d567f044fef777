"""The prospects' status machine (pure): no sequence of actions reaches a status the table does not name,
won and lost are final, reviews need a reviewer; the start page's birthday dates follow the card's rule."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ctid.core.errors import Conflict, PermissionDenied
from ctid.crm.due_dates import next_birthday
from ctid.crm.prospect_models import (
    FINAL,
    TRANSITIONS,
    ProspectAction,
    ProspectStatus,
    allowed_actions,
    next_status,
)
from ctid.home.days import birth_dates_today

A, S = ProspectAction, ProspectStatus


@given(st.lists(st.tuples(st.sampled_from(ProspectAction), st.booleans()), max_size=30))
def test_no_sequence_of_actions_reaches_an_undefined_status(steps: list[tuple[ProspectAction, bool]]) -> None:
    status = S.REGISTERED
    for action, may_review in steps:
        before = status
        try:
            status = next_status(status, action, may_review)
        except PermissionDenied:
            assert action == A.REVIEW and not may_review
        except Conflict:
            assert (before, action) not in TRANSITIONS
        else:
            assert (before, action) in TRANSITIONS
            assert action in allowed_actions(before, may_review)
        assert status in ProspectStatus
        if before in FINAL:
            assert status == before, "won and lost are final"


def test_the_happy_paths() -> None:
    status = next_status(S.REGISTERED, A.REVIEW, may_review=True)
    status = next_status(status, A.VISIT, may_review=False)
    assert next_status(status, A.VISIT, may_review=False) == S.FOLLOWING
    assert next_status(status, A.WIN, may_review=False) == S.WON
    assert next_status(status, A.LOSE, may_review=False) == S.LOST


def test_refusals() -> None:
    with pytest.raises(PermissionDenied):
        next_status(S.REGISTERED, A.REVIEW, may_review=False)
    with pytest.raises(Conflict):
        next_status(S.REGISTERED, A.VISIT, may_review=True)  # not reviewed yet
    with pytest.raises(Conflict):
        next_status(S.WON, A.LOSE, may_review=True)
    assert allowed_actions(S.REGISTERED, may_review=False) == (A.LOSE,)
    assert allowed_actions(S.LOST, may_review=True) == ()


@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.dates(date(1990, 1, 1), date(2100, 12, 31)))
def test_birth_dates_today_follow_the_cards_rule(born: date, today: date) -> None:
    if born > today:
        return
    assert (born in birth_dates_today(today)) == (next_birthday(born, today) == today)


def test_29_february_on_28_february_of_a_common_year() -> None:
    found = birth_dates_today(date(2026, 2, 28))
    assert date(2000, 2, 29) in found and date(2000, 2, 28) in found and date(2001, 3, 1) not in found
    assert date(2000, 2, 28) not in birth_dates_today(date(2028, 2, 29))
