"""The dialer's pure decisions: what an attempt's result does to its contact (ctid.dialer.retry), why a
contact is not dialled now (ctid.dialer.eligibility), how many calls to start (ctid.dialer.pacing) and when
a line leaves the campaign (ctid.dialer.line_health)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from ctid.dialer.eligibility import CampaignView, ContactView, Resources, why_not
from ctid.dialer.hours import CallingHours, ordinary
from ctid.dialer.line_health import sick
from ctid.dialer.models import (
    FINAL_RESULTS,
    LINE_FAULTS,
    AttemptResult,
    CampaignMode,
    CampaignState,
    ContactStatus,
    WhyNot,
)
from ctid.dialer.pacing import LineView, calls_to_start, free_lines
from ctid.dialer.retry import RetryRules, after_attempt

SHOP = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # 10:00 on a Monday in Shanghai
RULES = RetryRules(max_attempts=3)


def test_busy_comes_back_soon_no_answer_later_and_the_last_attempt_ends_it() -> None:
    busy = after_attempt(AttemptResult.BUSY, 0, NOW, RULES)
    assert (busy.status, busy.attempts, busy.next_try_at) == (
        ContactStatus.PENDING,
        1,
        NOW + timedelta(minutes=10),
    )
    out = after_attempt(AttemptResult.NO_ANSWER, 1, NOW, RULES)
    assert (out.attempts, out.next_try_at) == (2, NOW + timedelta(hours=2))
    last = after_attempt(AttemptResult.NO_ANSWER, 2, NOW, RULES)
    assert (last.status, last.attempts, last.next_try_at) == (ContactStatus.DONE, 3, None)


def test_the_lines_faults_use_up_no_attempt_and_a_lost_attempt_does() -> None:
    dead = after_attempt(AttemptResult.NO_DIALTONE, 2, NOW, RULES)
    assert (dead.status, dead.attempts) == (ContactStatus.PENDING, 2)
    lost = after_attempt(AttemptResult.UNKNOWN, 0, NOW, RULES)
    assert (lost.attempts, lost.next_try_at) == (1, NOW + timedelta(hours=1))


def test_a_call_back_at_a_time_comes_back_then_even_after_the_last_attempt() -> None:
    then = NOW + timedelta(days=1)
    back = after_attempt(AttemptResult.CALL_BACK, 2, NOW, RULES, call_back_at=then)
    assert (back.status, back.attempts, back.next_try_at) == (ContactStatus.PENDING, 3, then)
    past = after_attempt(AttemptResult.CALL_BACK, 0, NOW, RULES, call_back_at=NOW - timedelta(hours=1))
    assert past.next_try_at == NOW


results = st.sampled_from(list(AttemptResult))


@settings(deadline=None)  # pure and quick alone; a loaded CI box must not fail it on time
@given(st.lists(results, max_size=12), st.integers(1, 5))
def test_attempts_never_go_back_and_a_contact_ends(sequence: list[AttemptResult], max_attempts: int) -> None:
    rules = RetryRules(max_attempts=max_attempts)
    attempts, status, at = 0, ContactStatus.PENDING, NOW
    for result in sequence:
        if status == ContactStatus.DONE:
            break
        after = after_attempt(result, attempts, at, rules)
        assert after.attempts >= attempts
        assert after.attempts <= max(max_attempts, attempts + 1)
        if result in FINAL_RESULTS:
            assert after.status == ContactStatus.DONE
        if after.status == ContactStatus.PENDING:
            assert after.next_try_at is not None and after.next_try_at > at
        attempts, status, at = after.attempts, after.status, at + timedelta(hours=3)
    faults_only = all(r in LINE_FAULTS for r in sequence)
    assert faults_only or attempts > 0 or not sequence


TEN = datetime(2026, 12, 7, 10, 0, tzinfo=SHOP)
CAMPAIGN = CampaignView(CampaignState.RUNNING, CampaignMode.PROGRESSIVE, 3, CallingHours())
READY = Resources(free_lines=1, ready_operators=1)
FRESH = ContactView(ContactStatus.PENDING, 0, None)


def local(hour: int, minute: int = 0, day: date = date(2026, 12, 7)) -> datetime:
    return datetime.combine(day, time(hour, minute), SHOP)


def test_a_fresh_contact_in_hours_with_a_line_and_an_operator_is_dialled() -> None:
    assert why_not(FRESH, CAMPAIGN, local(10), ordinary, READY) is None


def test_each_reason_in_its_order() -> None:
    def ask(contact: ContactView = FRESH, campaign: CampaignView = CAMPAIGN, at: datetime = TEN,
            resources: Resources | None = READY) -> WhyNot | None:  # fmt: skip
        return why_not(contact, campaign, at, ordinary, resources)

    later = local(11)
    assert ask(ContactView(ContactStatus.DONE, 1, None)) == WhyNot.DONE
    assert ask(ContactView(ContactStatus.EXCLUDED, 0, None)) == WhyNot.DO_NOT_CALL  # this campaign's list
    assert ask(ContactView(ContactStatus.DIALLING, 0, None)) == WhyNot.IN_FLIGHT
    assert ask(ContactView(ContactStatus.PENDING, 3, None)) == WhyNot.MAX_ATTEMPTS
    assert ask(ContactView(ContactStatus.PENDING, 3, later, call_back=True)) == WhyNot.CALL_BACK_LATER
    assert ask(ContactView(ContactStatus.PENDING, 0, None, has_number=False)) == WhyNot.NO_NUMBER
    assert (
        ask(ContactView(ContactStatus.PENDING, 0, None, do_not_call=True, opted_out=True))
        == WhyNot.DO_NOT_CALL
    )
    assert ask(ContactView(ContactStatus.PENDING, 0, None, opted_out=True)) == WhyNot.OPTED_OUT
    assert (
        ask(ContactView(ContactStatus.PENDING, 0, None, contacted_recently=True)) == WhyNot.CONTACTED_RECENTLY
    )
    assert ask(ContactView(ContactStatus.PENDING, 1, later)) == WhyNot.WAITING_RETRY
    assert ask(campaign=CampaignView(CampaignState.PAUSED, CampaignMode.PROGRESSIVE, 3, CallingHours())) == (
        WhyNot.CAMPAIGN_NOT_RUNNING
    )
    assert ask(at=local(12, 30)) == WhyNot.OUTSIDE_HOURS
    assert ask(at=local(10, day=date(2026, 12, 12))) == WhyNot.OUTSIDE_HOURS  # a Saturday
    assert ask(resources=Resources(0, 1)) == WhyNot.NO_FREE_LINE
    assert ask(resources=Resources(1, 0)) == WhyNot.NO_READY_OPERATOR
    broadcast = CampaignView(CampaignState.RUNNING, CampaignMode.BROADCAST, 3, CallingHours())
    assert ask(campaign=broadcast, resources=Resources(1, 0)) is None
    assert ask(resources=None) is None, "the page's question: the contact and the campaign only"


def test_a_retry_time_compares_across_time_zones() -> None:
    """Attempts are stored in UTC, calling hours are the site's: 01:59 UTC is before 10:00 in Shanghai."""
    waiting = ContactView(ContactStatus.PENDING, 1, datetime(2026, 12, 7, 1, 59, tzinfo=UTC))
    assert why_not(waiting, CAMPAIGN, local(10), ordinary, READY) is None
    still = ContactView(ContactStatus.PENDING, 1, datetime(2026, 12, 7, 2, 1, tzinfo=UTC))
    assert why_not(still, CAMPAIGN, local(10), ordinary, READY) == WhyNot.WAITING_RETRY


def test_pacing_never_rings_out_for_nobody() -> None:
    assert calls_to_start(CampaignMode.PREVIEW, 4, 4, 0) == 0
    assert calls_to_start(CampaignMode.BROADCAST, 3, 0, 0) == 3
    assert calls_to_start(CampaignMode.PROGRESSIVE, 3, 2, 0) == 2
    assert calls_to_start(CampaignMode.PROGRESSIVE, 3, 2, 2) == 0
    assert calls_to_start(CampaignMode.PROGRESSIVE, 1, 5, 0) == 1
    lines = [
        LineView("l1", True),
        LineView("l2", False),
        LineView("l3", True, healthy=False),
        LineView("l4", True),
    ]
    assert free_lines(lines) == ["l1", "l4"]


@settings(deadline=None)  # pure and quick alone; a loaded CI box must not fail it on time
@given(st.sampled_from(list(CampaignMode)), st.integers(0, 8), st.integers(0, 8), st.integers(0, 8))
def test_pacing_bounds(mode: CampaignMode, free: int, ready: int, ringing: int) -> None:
    started = calls_to_start(mode, free, ready, ringing)
    assert 0 <= started <= free
    if mode == CampaignMode.PROGRESSIVE:
        assert started + ringing <= max(ready, ringing)


def test_a_line_failing_three_times_in_a_row_leaves_the_campaign() -> None:
    fault, busy = AttemptResult.NO_DIALTONE, AttemptResult.BUSY
    assert sick([fault, AttemptResult.FAILED, fault])
    assert not sick([fault, fault])
    assert not sick([fault, fault, busy, fault])
    assert not sick([])
