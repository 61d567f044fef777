"""The console's campaign messages (ctid.web.campaign_messages) and the desk's bodies
(ctid.web.campaign_desk_forms), without a socket: a card carries the customer, the item, the attempts and
the operator's lines with their labels; a call adds the attempt; an attempt's end says whether the
operator's result is still awaited; the bodies are refused by the field's name."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ctid.core.errors import ValidationError
from ctid.dialer.campaign_settings import CampaignSettings, Source, SourceKind
from ctid.dialer.desk import Card, NoCard
from ctid.dialer.events import CampaignAttemptEnded
from ctid.dialer.models import AttemptResult, CampaignMode, CampaignState, ContactStatus, WhyNot
from ctid.dialer.records import Attempt, Campaign, Contact
from ctid.web import campaign_desk_forms, campaign_messages

AT = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)
SHOP = ZoneInfo("Asia/Shanghai")


def _card(attempts: tuple[Attempt, ...] = ()) -> Card:
    settings = CampaignSettings(lines=("desk", "back"), source=Source(SourceKind.REMINDERS))
    mode, state = CampaignMode.PREVIEW, CampaignState.RUNNING
    campaign = Campaign(7, 1, "续保提醒", mode, state, 0, settings, None, AT, AT, AT, None)
    contact = Contact(3, 7, 11, "+8613800138000", None, ContactStatus.PENDING, 1, AT, True, 5,
                      AttemptResult.CALL_BACK, "", AT)  # fmt: skip
    return Card(campaign, contact, None, attempts, AT + timedelta(minutes=10), ("desk",))


def test_a_card_carries_what_the_operator_reads_before_the_call() -> None:
    tried = Attempt(
        9, 7, 3, "+8613800138000", "desk", 5, AT, None, AT, AttemptResult.CALL_BACK, "", "c1", "明天"
    )
    message = campaign_messages.card(_card((tried,)), {"id": 11, "name": "张伟"}, {"desk": "服务台"})
    assert message["type"] == "campaign.card"
    assert message["campaign"] == {"id": 7, "name": "续保提醒", "mode": "preview"}
    assert message["contact"]["number_e164"] == "+8613800138000" and message["contact"]["call_back"] is True
    assert message["contact"]["call_back_user_id"] == 5 and message["customer"] == {"id": 11, "name": "张伟"}
    assert [(a["id"], a["result"], a["note"]) for a in message["attempts"]] == [(9, "call_back", "明天")]
    assert message["lines"] == [{"name": "desk", "label": "服务台"}]
    assert message["held_until"] == "2026-12-08T02:10:00+00:00" and message["item"] is None
    json.dumps(message)  # JSON as it is


def test_a_call_adds_its_attempt_and_an_end_says_whether_a_result_is_awaited() -> None:
    message = campaign_messages.call(_card(), None, {"desk": "服务台"}, 21, "desk", "call-1")
    assert message["type"] == "campaign.call" and message["customer"] is None
    assert message["attempt"] == {"id": 21, "line": "desk", "line_label": "服务台", "call_id": "call-1"}
    ended = {
        result: campaign_messages.attempt_ended(
            CampaignAttemptEnded(
                campaign_id=7,
                contact_id=3,
                attempt_id=21,
                line="desk",
                call_id="call-1",
                operator_id=5,
                result=result,
                at=AT,
            )
        )
        for result in (AttemptResult.ANSWERED, AttemptResult.BUSY)
    }
    assert ended[AttemptResult.ANSWERED]["awaiting"] is True  # the modem's answer: the operator's follows
    assert ended[AttemptResult.BUSY] == {
        "type": "campaign.attempt", "campaign_id": 7, "contact_id": 3, "attempt_id": 21, "line": "desk",
        "call_id": "call-1", "result": "busy", "awaiting": False, "at": "2026-12-08T02:00:00+00:00",
    }  # fmt: skip


def test_no_card_says_why_and_when() -> None:
    assert campaign_messages.none(7, NoCard(WhyNot.OUTSIDE_HOURS, AT)) == {
        "type": "campaign.none",
        "campaign_id": 7,
        "why": "outside_hours",
        "next_at": "2026-12-08T02:00:00+00:00",
    }
    assert campaign_messages.none(7, NoCard(None, None))["why"] is None


def test_the_result_body_is_read_in_the_shops_time_and_refused_by_name() -> None:
    given = campaign_desk_forms.given_result(
        {"result": "call_back", "note": " 周三 ", "call_back_at": "2026-12-09T10:00", "for_anyone": True},
        SHOP,
    )
    assert given.call_back_at == datetime(2026, 12, 9, 10, 0, tzinfo=SHOP) and given.for_anyone
    assert (given.result, given.note) == ("call_back", "周三")
    plain = campaign_desk_forms.given_result({"result": "busy"}, SHOP)
    assert (plain.call_back_at, plain.for_anyone, plain.note) == (None, False, "")
    for body, field in (
        ({}, "result"),
        ({"result": "busy", "notes": "x"}, "notes"),
        ({"result": "call_back", "call_back_at": "明天"}, "call_back_at"),
        ({"result": "busy", "for_anyone": "maybe"}, "for_anyone"),
    ):
        with pytest.raises(ValidationError) as refused:
            campaign_desk_forms.given_result(body, SHOP)
        assert refused.value.field == field
    with pytest.raises(ValidationError):
        campaign_desk_forms.skip_reason({"reason": "  "})
    assert campaign_desk_forms.dial_line({"line": "desk"}) == "desk"
    assert date(2026, 12, 9) == given.call_back_at.date()
